using Portal.Data;

namespace Portal.Entitlements;

/// <summary>
/// The demo tree's allocation: premium voices for some customers, one without Voice Intelligence, one voice that
/// Acme itself has switched off (so its children show "not available: off at Acme Audio Platform").
/// Top-level orgs get the rest of the catalog from the catalog sync at start.
/// </summary>
public static class DemoAllocations
{
    private static readonly string[] Standard =
    [
        "voice:aria", "voice:oliver", "voice:lucia", "voice:jonas", "voice:camille",
        "sound-design:dreamscape", "sound-design:upbeat-corporate", "sound-design:lofi-study", "sound-design:newsroom",
        "capability:ssml", "capability:multi-speaker",
        .. Activities.All,
    ];

    private static readonly DemoAllocation[] Allocations =
    [
        new(DemoSeed.SuperOrgName, Off: ["voice:nova-studio"]),
        new("Beacon Podcasts",
            On: [.. Standard, "voice:aurora-studio", "voice:atlas-studio", "voice:nova-studio", "sound-design:cinematic-rise", "capability:voice-intelligence"],
            Limits: [("activity:speech", 2_000_000), ("voice:aurora-studio", 250_000)]),
        new("Cobalt Learning",
            On: [.. Standard.Where(k => k != "sound-design:upbeat-corporate"), "voice:atlas-studio"],
            Limits: [("activity:speech", 500_000)]),
        new("Dune Radio", On: [.. Standard, "capability:voice-intelligence"], Limits: [("activity:speech-sync", 100_000)]),
        new("Echo Games", On: [.. Standard, "voice:aurora-studio", "sound-design:cinematic-rise", "capability:voice-intelligence", "capability:voice-cloning"]),
        new("Fable Kids", On: Standard),
        new("Gamma News", On: Standard),
        new("Zenith Audiobooks", On: [.. Standard, "voice:atlas-studio", "capability:voice-intelligence"]),
        new("Zenith Ads", On: [.. Standard, "voice:aurora-studio"]),
    ];

    /// <summary>Adds the rows to the demo seed's unit of work.</summary>
    public static void Add(PortalDbContext db, DateTime at)
    {
        foreach (var demo in Allocations)
        {
            var orgId = DemoSeed.OrgId(demo.OrgName);
            var limits = (demo.Limits ?? []).ToDictionary(l => l.Key, l => l.Credits, StringComparer.Ordinal);
            foreach (var key in demo.On ?? [])
            {
                db.Set<FeatureAllocation>().Add(new FeatureAllocation
                {
                    OrgId = orgId,
                    ItemKey = key,
                    Enabled = true,
                    MonthlyCreditLimit = limits.TryGetValue(key, out var limit) ? limit : null,
                    IncludedForNewChildren = Standard.Contains(key),
                    UpdatedAt = at,
                });
            }

            foreach (var key in demo.Off ?? [])
            {
                db.Set<FeatureAllocation>().Add(new FeatureAllocation { OrgId = orgId, ItemKey = key, Enabled = false, UpdatedAt = at });
            }
        }
    }

    private sealed record DemoAllocation(
        string OrgName,
        IReadOnlyList<string>? On = null,
        IReadOnlyList<string>? Off = null,
        IReadOnlyList<(string Key, long Credits)>? Limits = null);
}
