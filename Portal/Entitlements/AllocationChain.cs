using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Entitlements;

public readonly record struct ChainOrg(string Id, string Name, OrgStatus Status, int Distance);

public readonly record struct OwnAllocation(bool Enabled, long? MonthlyCreditLimit, bool IncludedForNewChildren);

/// <summary>
/// An org and all its ancestors with their own allocations, read in one query through the closure table.
/// Effective(org, item) = the org's own Enabled AND that of every ancestor, so it is a walk over this flat list.
/// </summary>
public sealed class AllocationChain
{
    private static readonly Dictionary<string, OwnAllocation> None = [];
    private readonly Dictionary<string, Dictionary<string, OwnAllocation>> byOrg;

    private AllocationChain(IReadOnlyList<ChainOrg> orgs, Dictionary<string, Dictionary<string, OwnAllocation>> byOrg)
    {
        Orgs = orgs;
        this.byOrg = byOrg;
    }

    /// <summary>The org itself first (distance 0), then its parent, up to the top-level org.</summary>
    public IReadOnlyList<ChainOrg> Orgs { get; }
    public ChainOrg Self => Orgs[0];
    public ChainOrg? Parent => Orgs.Count > 1 ? Orgs[1] : null;

    public OwnAllocation? Own(string itemKey) => OwnOf(Self.Id, itemKey);

    public OwnAllocation? OwnOf(string orgId, string itemKey) =>
        byOrg.GetValueOrDefault(orgId, None).TryGetValue(itemKey, out var own) ? own : null;

    public bool IsEffective(string itemKey) => Own(itemKey)?.Enabled == true && NearestAncestorLacking(itemKey) is null;

    /// <summary>The closest ancestor that does not effectively have the item, whose admins must switch it on first.</summary>
    public ChainOrg? NearestAncestorLacking(string itemKey)
    {
        for (var i = 1; i < Orgs.Count; i++)
        {
            if (OwnOf(Orgs[i].Id, itemKey)?.Enabled != true)
            {
                return Orgs[i];
            }
        }

        return null;
    }

    /// <summary>The smallest monthly limit set on an ancestor: a child's own limit may not go above it.</summary>
    public (ChainOrg Org, long Limit)? SmallestLimitAbove(string itemKey)
    {
        (ChainOrg, long)? smallest = null;
        for (var i = 1; i < Orgs.Count; i++)
        {
            if (OwnOf(Orgs[i].Id, itemKey)?.MonthlyCreditLimit is { } limit && (smallest is null || limit < smallest.Value.Item2))
            {
                smallest = (Orgs[i], limit);
            }
        }

        return smallest;
    }

    /// <summary>Null when the org does not exist.</summary>
    public static async Task<AllocationChain?> LoadAsync(PortalDbContext db, string orgId, CancellationToken ct)
    {
        // Ancestors lie above the caller's scope by design: only their status, name and allocations are read here.
        var rows = await (
                from link in db.OrgAncestries.IgnoreQueryFilters()
                where link.DescendantId == orgId
                join org in db.Organizations.IgnoreQueryFilters() on link.AncestorId equals org.Id
                join allocation in db.Set<FeatureAllocation>().IgnoreQueryFilters() on link.AncestorId equals allocation.OrgId into allocations
                from allocation in allocations.DefaultIfEmpty()
                select new
                {
                    link.Distance,
                    org.Id,
                    org.Name,
                    org.Status,
                    ItemKey = allocation == null ? null : allocation.ItemKey,
                    Enabled = allocation != null && allocation.Enabled,
                    Limit = allocation == null ? null : allocation.MonthlyCreditLimit,
                    Included = allocation != null && allocation.IncludedForNewChildren,
                })
            .AsNoTracking()
            .ToListAsync(ct);
        if (rows.Count == 0)
        {
            return null;
        }

        var orgs = rows.Select(r => new ChainOrg(r.Id, r.Name, r.Status, r.Distance)).Distinct().OrderBy(o => o.Distance).ToList();
        var byOrg = orgs.ToDictionary(o => o.Id, _ => new Dictionary<string, OwnAllocation>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.ItemKey is not null))
        {
            byOrg[row.Id][row.ItemKey!] = new OwnAllocation(row.Enabled, row.Limit, row.Included);
        }

        return new AllocationChain(orgs, byOrg);
    }
}

public static class SubtreeAllocations
{
    /// <summary>
    /// The effective item keys of every org in the subtree of <paramref name="rootOrgId"/> (down to <paramref name="maxDistance"/>
    /// levels below it), in one query: an org has an item when all its Depth + 1 ancestors-or-self have it enabled.
    /// </summary>
    public static async Task<Dictionary<string, HashSet<string>>> EffectiveAsync(
        PortalDbContext db, string rootOrgId, int maxDistance = int.MaxValue, string? itemKey = null, CancellationToken ct = default)
    {
        var allocations = db.Set<FeatureAllocation>().IgnoreQueryFilters().Where(a => a.Enabled);
        if (itemKey is not null)
        {
            allocations = allocations.Where(a => a.ItemKey == itemKey);
        }

        var pairs = await (
                from member in db.OrgAncestries.IgnoreQueryFilters()
                where member.AncestorId == rootOrgId && member.Distance <= maxDistance
                join org in db.Organizations.IgnoreQueryFilters() on member.DescendantId equals org.Id
                join up in db.OrgAncestries.IgnoreQueryFilters() on member.DescendantId equals up.DescendantId
                join allocation in allocations on up.AncestorId equals allocation.OrgId
                group allocation by new { member.DescendantId, org.Depth, allocation.ItemKey } into enabledOnChain
                where enabledOnChain.Count() == enabledOnChain.Key.Depth + 1
                select new { enabledOnChain.Key.DescendantId, enabledOnChain.Key.ItemKey })
            .ToListAsync(ct);

        var orgIds = await db.OrgAncestries.IgnoreQueryFilters()
            .Where(m => m.AncestorId == rootOrgId && m.Distance <= maxDistance)
            .Select(m => m.DescendantId)
            .ToListAsync(ct);
        var effective = orgIds.ToDictionary(id => id, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            effective[pair.DescendantId].Add(pair.ItemKey);
        }

        return effective;
    }
}
