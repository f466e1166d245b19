using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Entitlements;

public sealed record CatalogSyncResult(int Added, int Updated, int Retired, int GrantedToTopLevelOrgs);

/// <summary>
/// Makes the catalog table match the configuration: adds and updates items, retires the ones that left it
/// (never deletes: allocations keep their meaning), and grants every top-level org the items it has no row for.
/// </summary>
public static class FeatureCatalogSync
{
    public static async Task<CatalogSyncResult> SyncAsync(PortalDbContext db, IReadOnlyList<CatalogItemOptions> configured, DateTime now, CancellationToken ct)
    {
        var problems = CatalogValidation.Problems(configured);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The feature catalog (Entitlements:Catalog) is not valid:\n  " + string.Join("\n  ", problems));
        }

        var stored = await db.Set<CatalogItem>().ToDictionaryAsync(i => i.Key, StringComparer.Ordinal, ct);
        int added = 0, updated = 0, retired = 0;
        for (var position = 0; position < configured.Count; position++)
        {
            var wanted = configured[position];
            if (!stored.TryGetValue(wanted.Key, out var item))
            {
                item = new CatalogItem { Key = wanted.Key, DisplayName = wanted.DisplayName.Trim() };
                db.Set<CatalogItem>().Add(item);
                stored[item.Key] = item;
                added++;
            }
            else if (item.Kind != wanted.Kind || item.DisplayName != wanted.DisplayName.Trim() || item.Description != wanted.Description.Trim()
                     || item.IsPremium != wanted.Premium || item.SortOrder != position || item.IsRetired)
            {
                updated++;
            }

            item.Kind = wanted.Kind;
            item.DisplayName = wanted.DisplayName.Trim();
            item.Description = wanted.Description.Trim();
            item.IsPremium = wanted.Premium;
            item.SortOrder = position;
            item.IsRetired = false;
        }

        var configuredKeys = configured.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var item in stored.Values.Where(i => !i.IsRetired && !configuredKeys.Contains(i.Key)))
        {
            item.IsRetired = true;
            retired++;
        }

        var granted = await GrantMissingToTopLevelOrgsAsync(db, stored.Values.Where(i => !i.IsRetired).ToList(), now, ct);
        await db.SaveChangesAsync(ct);
        return new CatalogSyncResult(added, updated, retired, granted);
    }

    /// <summary>
    /// A top-level org has no parent to be given things by: it holds the whole catalog unless its own admins switch
    /// something off. Items new to the catalog therefore reach every top-level org, and from there only the child
    /// orgs someone allocates them to.
    /// </summary>
    public static async Task<int> GrantMissingToTopLevelOrgsAsync(PortalDbContext db, IReadOnlyList<CatalogItem> items, DateTime now, CancellationToken ct)
    {
        var topLevelOrgIds = await db.Organizations.IgnoreQueryFilters().Where(o => o.ParentId == null).Select(o => o.Id).ToListAsync(ct);
        var existing = (await db.Set<FeatureAllocation>().IgnoreQueryFilters()
                .Where(a => topLevelOrgIds.Contains(a.OrgId))
                .Select(a => new { a.OrgId, a.ItemKey })
                .ToListAsync(ct))
            .Select(a => (a.OrgId, a.ItemKey))
            .ToHashSet();
        var granted = 0;
        foreach (var orgId in topLevelOrgIds)
        {
            foreach (var item in items.Where(i => !existing.Contains((orgId, i.Key))))
            {
                db.Set<FeatureAllocation>().Add(NewOrgAllocations.TopLevelGrant(orgId, item, now));
                granted++;
            }
        }

        return granted;
    }
}

/// <summary>Synchronises the catalog once at start, before the server takes requests, then drops any cached decisions.</summary>
internal sealed class CatalogSyncAtStart(
    IDbContextFactory<PortalDbContext> dbFactory,
    IOptions<EntitlementsOptions> options,
    EntitlementDecisionService decisions,
    TimeProvider clock,
    ILogger<CatalogSyncAtStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var result = await FeatureCatalogSync.SyncAsync(db, options.Value.Catalog, clock.GetUtcNow().UtcDateTime, cancellationToken);
        decisions.InvalidateAll();
        logger.LogInformation("Feature catalog synchronised: {Added} added, {Updated} updated, {Retired} retired, {Granted} grants to top-level orgs.",
            result.Added, result.Updated, result.Retired, result.GrantedToTopLevelOrgs);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
