using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Entitlements;

/// <summary>What a new org starts with.</summary>
public static class NewOrgAllocations
{
    /// <summary>
    /// A new child org starts from its parent's defaults for new children (only the items the parent effectively has);
    /// it passes the same defaults on to its own future children. A new top-level org holds the whole catalog, and its
    /// defaults for new children are the items that are not premium. Call before the org's SaveChangesAsync.
    /// </summary>
    public static async Task ApplyAsync(PortalDbContext db, Organization org, DateTime now, CancellationToken ct)
    {
        if (org.ParentId is null)
        {
            var items = await db.Set<CatalogItem>().Where(i => !i.IsRetired).ToListAsync(ct);
            db.Set<FeatureAllocation>().AddRange(items.Select(item => TopLevelGrant(org.Id, item, now)));
            return;
        }

        var parentChain = await AllocationChain.LoadAsync(db, org.ParentId, ct)
            ?? throw new InvalidOperationException($"The parent org '{org.ParentId}' does not exist.");
        var defaults = await db.Set<FeatureAllocation>().IgnoreQueryFilters()
            .Where(a => a.OrgId == org.ParentId && a.IncludedForNewChildren)
            .Join(db.Set<CatalogItem>().Where(i => !i.IsRetired), a => a.ItemKey, i => i.Key, (a, _) => a.ItemKey)
            .ToListAsync(ct);
        db.Set<FeatureAllocation>().AddRange(defaults.Where(parentChain.IsEffective).Select(key => new FeatureAllocation
        {
            OrgId = org.Id,
            ItemKey = key,
            Enabled = true,
            IncludedForNewChildren = true,
            UpdatedAt = now,
        }));
    }

    internal static FeatureAllocation TopLevelGrant(string orgId, CatalogItem item, DateTime now) => new()
    {
        OrgId = orgId,
        ItemKey = item.Key,
        Enabled = true,
        IncludedForNewChildren = !item.IsPremium,
        UpdatedAt = now,
    };
}
