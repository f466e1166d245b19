using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Operations;
using Portal.Organizations;

namespace Portal.Entitlements;

/// <summary>
/// Answers "may org O use catalog item I now?" from the effective allocation of O and its ancestors, their statuses and
/// the monthly limits on the chain. The hottest path of the product: answers come from an in-process snapshot per org,
/// built with one query and dropped by <see cref="Invalidate"/>, <see cref="InvalidateSubtree"/> or <see cref="InvalidateAll"/>
/// whenever an allocation, a limit, a status or the tree changes, so the next call sees the change.
/// A cached answer allocates nothing. Invalidations go through the <see cref="ICacheInvalidationBus"/>, so every
/// instance of the portal drops the same snapshots.
/// </summary>
public sealed class EntitlementDecisionService
{
    public const string InvalidationTopic = "entitlement-decisions";
    private const string OrgKey = "org:";
    private const string SubtreeKey = "subtree:";

    private readonly ConcurrentDictionary<string, OrgSnapshot> snapshots = new(StringComparer.Ordinal);
    private readonly IDbContextFactory<PortalDbContext> dbFactory;
    private readonly IMonthlyUsageReader usage;
    private readonly ISpendLimitGuard spendLimits;
    private readonly ICacheInvalidationBus bus;
    private CatalogIndex? catalog;

    // Bumped by every invalidation: a snapshot whose load overlapped one may be stale, so it is not kept.
    private long invalidations;

    public EntitlementDecisionService(IDbContextFactory<PortalDbContext> dbFactory, IMonthlyUsageReader usage, ISpendLimitGuard spendLimits, ICacheInvalidationBus bus)
    {
        this.dbFactory = dbFactory;
        this.usage = usage;
        this.spendLimits = spendLimits;
        this.bus = bus;
        bus.Subscribe(InvalidationTopic, keys =>
        {
            if (keys.Count == 0)
            {
                InvalidateAllHere();
                return;
            }

            foreach (var key in keys)
            {
                if (key.StartsWith(SubtreeKey, StringComparison.Ordinal))
                {
                    InvalidateSubtreeHere(key[SubtreeKey.Length..]);
                }
                else if (key.StartsWith(OrgKey, StringComparison.Ordinal))
                {
                    InvalidateHere(key[OrgKey.Length..]);
                }
            }
        });
    }

    public int CachedOrgCount => snapshots.Count;

    public ValueTask<EntitlementDecision> DecideAsync(string orgId, string itemKey, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(orgId))
        {
            return ValueTask.FromResult(EntitlementDecision.No(DecisionReason.UnknownOrg));
        }

        var currentCatalog = Volatile.Read(ref catalog);
        if (currentCatalog is not null && snapshots.TryGetValue(orgId, out var snapshot) && ReferenceEquals(snapshot.Catalog, currentCatalog))
        {
            return Decide(snapshot, itemKey, ct);
        }

        return LoadAndDecideAsync(orgId, itemKey, ct);
    }

    /// <summary>
    /// The decision for <paramref name="orgId"/> acted on by a caller from <paramref name="callerOrgId"/>: refused as
    /// not a descendant unless the caller's org is the org itself or one of its ancestors (from the cached chain).
    /// </summary>
    public ValueTask<EntitlementDecision> DecideWithinAsync(string callerOrgId, string orgId, string itemKey, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(orgId))
        {
            return ValueTask.FromResult(EntitlementDecision.No(DecisionReason.UnknownOrg));
        }

        var currentCatalog = Volatile.Read(ref catalog);
        if (currentCatalog is not null && snapshots.TryGetValue(orgId, out var snapshot) && ReferenceEquals(snapshot.Catalog, currentCatalog))
        {
            return Array.IndexOf(snapshot.Chain, callerOrgId) >= 0
                ? Decide(snapshot, itemKey, ct)
                : ValueTask.FromResult(EntitlementDecision.No(DecisionReason.NotADescendant));
        }

        return LoadAndDecideWithinAsync(callerOrgId, orgId, itemKey, ct);
    }

    private async ValueTask<EntitlementDecision> LoadAndDecideWithinAsync(string callerOrgId, string orgId, string itemKey, CancellationToken ct)
    {
        var decision = await LoadAndDecideAsync(orgId, itemKey, ct);
        if (decision.Reason == DecisionReason.UnknownOrg)
        {
            // Unknown and foreign orgs answer alike.
            return EntitlementDecision.No(DecisionReason.NotADescendant);
        }

        return snapshots.TryGetValue(orgId, out var snapshot) && Array.IndexOf(snapshot.Chain, callerOrgId) < 0
            ? EntitlementDecision.No(DecisionReason.NotADescendant)
            : snapshot is null ? await LoadChainCheckAsync(callerOrgId, orgId, decision, ct) : decision;
    }

    /// <summary>The snapshot was dropped by a concurrent invalidation: check the ancestry in the database once.</summary>
    private async Task<EntitlementDecision> LoadChainCheckAsync(string callerOrgId, string orgId, EntitlementDecision decision, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.OrgAncestries.AnyAsync(a => a.AncestorId == callerOrgId && a.DescendantId == orgId, ct)
            ? decision
            : EntitlementDecision.No(DecisionReason.NotADescendant);
    }

    /// <summary>The org's own status or allocation changed in a way that cannot affect its descendants (every instance).</summary>
    public void Invalidate(string orgId) => bus.Publish(InvalidationTopic, [OrgKey + orgId]);

    /// <summary>Something changed at this org that its whole subtree inherits: an allocation, a limit, a status, a move (every instance).</summary>
    public void InvalidateSubtree(string orgId) => bus.Publish(InvalidationTopic, [SubtreeKey + orgId]);

    /// <summary>The catalog changed: forget everything (every instance).</summary>
    public void InvalidateAll() => bus.Publish(InvalidationTopic, []);

    /// <summary>This instance only: for listeners that every instance runs anyway (org changes arrive everywhere).</summary>
    internal void InvalidateSubtreeHere(string orgId)
    {
        Interlocked.Increment(ref invalidations);
        foreach (var (cachedOrgId, snapshot) in snapshots)
        {
            if (Array.IndexOf(snapshot.Chain, orgId) >= 0)
            {
                snapshots.TryRemove(new KeyValuePair<string, OrgSnapshot>(cachedOrgId, snapshot));
            }
        }
    }

    private void InvalidateHere(string orgId)
    {
        Interlocked.Increment(ref invalidations);
        snapshots.TryRemove(orgId, out _);
    }

    private void InvalidateAllHere()
    {
        Interlocked.Increment(ref invalidations);
        Volatile.Write(ref catalog, null);
        snapshots.Clear();
    }

    private ValueTask<EntitlementDecision> Decide(OrgSnapshot snapshot, string itemKey, CancellationToken ct)
    {
        if (itemKey is null || !snapshot.Catalog.IndexOf.TryGetValue(itemKey, out var index))
        {
            return ValueTask.FromResult(EntitlementDecision.No(DecisionReason.UnknownItem));
        }

        if (snapshot.StatusReason != DecisionReason.Allowed)
        {
            return ValueTask.FromResult(EntitlementDecision.No(snapshot.StatusReason, snapshot.StatusOrgId));
        }

        var verdict = snapshot.Items[index];
        if (verdict.Reason != DecisionReason.Allowed)
        {
            return ValueTask.FromResult(EntitlementDecision.No(verdict.Reason, verdict.AtOrgId));
        }

        if (verdict.Limits is not null)
        {
            for (var i = 0; i < verdict.Limits.Length; i++)
            {
                var pending = usage.GetCreditsUsedThisMonthAsync(verdict.Limits[i].OrgId, itemKey, ct);
                if (!pending.IsCompletedSuccessfully)
                {
                    return CheckLimitsAsync(snapshot.Chain, verdict.Limits, i, pending, itemKey, ct);
                }

                if (pending.Result >= verdict.Limits[i].Limit)
                {
                    return ValueTask.FromResult(EntitlementDecision.No(DecisionReason.ItemLimitReached, verdict.Limits[i].OrgId));
                }
            }
        }

        return CheckSpendLimits(snapshot.Chain, ct);
    }

    private ValueTask<EntitlementDecision> CheckSpendLimits(string[] chain, CancellationToken ct)
    {
        var pending = spendLimits.FirstReachedHardStopAsync(chain, ct);
        if (pending.IsCompletedSuccessfully)
        {
            return ValueTask.FromResult(pending.Result is { } atOrgId ? EntitlementDecision.No(DecisionReason.SpendLimitReached, atOrgId) : EntitlementDecision.Yes);
        }

        return AwaitSpendLimitsAsync(pending);

        static async ValueTask<EntitlementDecision> AwaitSpendLimitsAsync(ValueTask<string?> pending) =>
            await pending is { } atOrgId ? EntitlementDecision.No(DecisionReason.SpendLimitReached, atOrgId) : EntitlementDecision.Yes;
    }

    private async ValueTask<EntitlementDecision> CheckLimitsAsync(string[] chain, LimitAt[] limits, int from, ValueTask<long> pending, string itemKey, CancellationToken ct)
    {
        for (var i = from; i < limits.Length; i++)
        {
            var used = i == from ? await pending : await usage.GetCreditsUsedThisMonthAsync(limits[i].OrgId, itemKey, ct);
            if (used >= limits[i].Limit)
            {
                return EntitlementDecision.No(DecisionReason.ItemLimitReached, limits[i].OrgId);
            }
        }

        return await CheckSpendLimits(chain, ct);
    }

    private async ValueTask<EntitlementDecision> LoadAndDecideAsync(string orgId, string itemKey, CancellationToken ct)
    {
        var startedAt = Interlocked.Read(ref invalidations);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var currentCatalog = Volatile.Read(ref catalog) ?? await LoadCatalogAsync(db, startedAt, ct);
        var chain = await AllocationChain.LoadAsync(db, orgId, ct);
        if (chain is null)
        {
            // Not cached: unknown ids must not be able to fill the cache.
            return EntitlementDecision.No(DecisionReason.UnknownOrg);
        }

        var snapshot = OrgSnapshot.Build(chain, currentCatalog);
        snapshots[orgId] = snapshot;
        if (Interlocked.Read(ref invalidations) != startedAt)
        {
            snapshots.TryRemove(new KeyValuePair<string, OrgSnapshot>(orgId, snapshot));
        }

        return await Decide(snapshot, itemKey, ct);
    }

    private async Task<CatalogIndex> LoadCatalogAsync(PortalDbContext db, long startedAt, CancellationToken ct)
    {
        var keys = await db.Set<CatalogItem>().AsNoTracking().Where(i => !i.IsRetired).OrderBy(i => i.Key).Select(i => i.Key).ToListAsync(ct);
        var loaded = new CatalogIndex(keys);
        if (Interlocked.Read(ref invalidations) == startedAt)
        {
            Interlocked.CompareExchange(ref catalog, loaded, null);
        }

        return Volatile.Read(ref catalog) ?? loaded;
    }

    private sealed class CatalogIndex(IReadOnlyList<string> keys)
    {
        public IReadOnlyList<string> Keys { get; } = keys;
        public FrozenDictionary<string, int> IndexOf { get; } =
            keys.Select((key, index) => (key, index)).ToFrozenDictionary(p => p.key, p => p.index, StringComparer.Ordinal);
    }

    private readonly record struct LimitAt(string OrgId, long Limit);

    private readonly record struct ItemVerdict(DecisionReason Reason, string? AtOrgId, LimitAt[]? Limits);

    /// <summary>Everything a decision for one org needs, precomputed per catalog item.</summary>
    private sealed class OrgSnapshot
    {
        private OrgSnapshot(CatalogIndex catalog, string[] chain, DecisionReason statusReason, string? statusOrgId, ItemVerdict[] items)
        {
            Catalog = catalog;
            Chain = chain;
            StatusReason = statusReason;
            StatusOrgId = statusOrgId;
            Items = items;
        }

        public CatalogIndex Catalog { get; }

        /// <summary>The org and its ancestors: the orgs whose changes make this snapshot stale.</summary>
        public string[] Chain { get; }
        public DecisionReason StatusReason { get; }
        public string? StatusOrgId { get; }
        public ItemVerdict[] Items { get; }

        public static OrgSnapshot Build(AllocationChain chain, CatalogIndex catalog)
        {
            var closed = chain.Orgs.FirstOrDefault(o => o.Status == OrgStatus.Closed);
            var suspended = chain.Orgs.FirstOrDefault(o => o.Status == OrgStatus.Suspended);
            var (statusReason, statusOrgId) = closed.Id is not null ? (DecisionReason.OrgClosed, closed.Id)
                : suspended.Id is not null ? (DecisionReason.OrgSuspended, suspended.Id)
                : (DecisionReason.Allowed, (string?)null);

            var items = new ItemVerdict[catalog.Keys.Count];
            for (var i = 0; i < items.Length; i++)
            {
                var key = catalog.Keys[i];
                var lacking = chain.NearestAncestorLacking(key);
                var limits = chain.Orgs
                    .Where(o => chain.OwnOf(o.Id, key)?.MonthlyCreditLimit is not null)
                    .Select(o => new LimitAt(o.Id, chain.OwnOf(o.Id, key)!.Value.MonthlyCreditLimit!.Value))
                    .ToArray();
                items[i] = lacking is { } ancestor ? new ItemVerdict(DecisionReason.FeatureOffAtAncestor, ancestor.Id, null)
                    : chain.Own(key)?.Enabled != true ? new ItemVerdict(DecisionReason.FeatureOffHere, chain.Self.Id, null)
                    : new ItemVerdict(DecisionReason.Allowed, null, limits.Length == 0 ? null : limits);
            }

            return new OrgSnapshot(catalog, chain.Orgs.Select(o => o.Id).ToArray(), statusReason, statusOrgId, items);
        }
    }
}
