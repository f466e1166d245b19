using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Portal.Entitlements;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Entitlements;

/// <summary>Catalogs for tests, and direct ways to put allocations into a test database.</summary>
internal static class Catalogs
{
    public const string Aria = "voice:aria";
    public const string Aurora = "voice:aurora-studio";
    public const string VoiceIntelligence = "capability:voice-intelligence";

    /// <summary>The seven activities, a standard and a premium voice, and Voice Intelligence.</summary>
    public static IReadOnlyList<CatalogItemOptions> Small { get; } =
    [
        Item(Aria, FeatureKind.Voice, "Aria"),
        Item(Aurora, FeatureKind.Voice, "Aurora Studio", premium: true),
        Item(VoiceIntelligence, FeatureKind.Capability, "Voice Intelligence", premium: true),
        .. Activities.All.Select(key => Item(key, FeatureKind.Activity, key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..] + " API")),
    ];

    /// <summary>The catalog the app ships with, from Portal's appsettings.json.</summary>
    public static IReadOnlyList<CatalogItemOptions> FromAppSettings()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        return configuration.GetSection(EntitlementsOptions.Section).Get<EntitlementsOptions>()!.Catalog;
    }

    public static CatalogItemOptions Item(string key, FeatureKind kind, string name, bool premium = false) =>
        new() { Key = key, Kind = kind, DisplayName = name, Description = $"{name} for tests", Premium = premium };

    public static async Task<CatalogSyncResult> SyncAsync(TestDatabase database, IReadOnlyList<CatalogItemOptions>? items = null)
    {
        await using var db = database.CreateDbContext();
        return await FeatureCatalogSync.SyncAsync(db, items ?? Small, new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), CancellationToken.None);
    }

    /// <summary>Writes own allocations straight into the database, bypassing the rules (as a past state could be).</summary>
    public static void Allocate(TestDatabase database, string orgId, bool enabled, params string[] keys)
    {
        using var db = database.CreateDbContext();
        foreach (var key in keys)
        {
            var row = db.Set<FeatureAllocation>().SingleOrDefault(a => a.OrgId == orgId && a.ItemKey == key);
            if (row is null)
            {
                db.Set<FeatureAllocation>().Add(new FeatureAllocation { OrgId = orgId, ItemKey = key, Enabled = enabled });
            }
            else
            {
                row.Enabled = enabled;
            }
        }

        db.SaveChanges();
    }

    public static async Task<List<(string OrgId, string ItemKey, bool Enabled, long? Limit)>> RowsAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        return (await db.Set<FeatureAllocation>().OrderBy(a => a.OrgId).ThenBy(a => a.ItemKey).ToListAsync())
            .Select(a => (a.OrgId, a.ItemKey, a.Enabled, a.MonthlyCreditLimit)).ToList();
    }
}
