using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Operations;

namespace Portal.Usage;

/// <summary>
/// Credits used this month by an org's whole subtree, per activity or in total, for the decision path (limits and
/// hard stops). Answers from memory; a total is loaded from the roll-up once and dropped when ingestion adds usage to
/// that org or one of its descendants, so the next read sees it, on every instance (through the invalidation bus).
/// </summary>
public sealed class MonthlyUsageCounter : Entitlements.IMonthlyUsageReader
{
    public const string InvalidationTopic = "usage-totals";

    /// <summary>Usage is metered per activity: limits on activity items count, other items (voices...) are not metered.</summary>
    public ValueTask<long> GetCreditsUsedThisMonthAsync(string orgId, string itemKey, CancellationToken ct) =>
        itemKey.StartsWith("activity:", StringComparison.Ordinal) && Activities.Find(itemKey) is { } activity
            ? GetAsync(orgId, activity.Key, ct)
            : ValueTask.FromResult(0L);

    private const string AllActivities = "*";
    private readonly ConcurrentDictionary<(string OrgId, string Activity, int Month), long> totals = new();
    private readonly IDbContextFactory<PortalDbContext> dbFactory;
    private readonly TimeProvider clock;
    private readonly ICacheInvalidationBus bus;

    public MonthlyUsageCounter(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, ICacheInvalidationBus bus)
    {
        this.dbFactory = dbFactory;
        this.clock = clock;
        this.bus = bus;
        bus.Subscribe(InvalidationTopic, orgIds =>
        {
            if (orgIds.Count == 0)
            {
                ForgetAllHere();
            }
            else
            {
                ForgetOrgsHere(orgIds);
            }
        });
    }

    // Bumped by every forget, so a load that raced with new usage does not store a stale total.
    private long generation;

    public ValueTask<long> GetAsync(string orgId, string? activity, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var key = (orgId, activity ?? AllActivities, now.Year * 100 + now.Month);
        return totals.TryGetValue(key, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<long>(LoadAsync(key, now, ct));
    }

    /// <summary>Forgets these orgs' totals on every instance: call it after committing usage for them (or their descendants).</summary>
    public void ForgetOrgs(IEnumerable<string> orgIds)
    {
        var list = orgIds.Distinct(StringComparer.Ordinal).ToList();
        if (list.Count > 0)
        {
            bus.Publish(InvalidationTopic, list);
        }
    }

    public void ForgetAll() => bus.Publish(InvalidationTopic, []);

    private void ForgetOrgsHere(IEnumerable<string> orgIds)
    {
        Interlocked.Increment(ref generation);
        var set = orgIds.ToHashSet(StringComparer.Ordinal);
        foreach (var key in totals.Keys.Where(k => set.Contains(k.OrgId)))
        {
            totals.TryRemove(key, out _);
        }
    }

    private void ForgetAllHere()
    {
        Interlocked.Increment(ref generation);
        totals.Clear();
    }

    private async Task<long> LoadAsync((string OrgId, string Activity, int Month) key, DateTime now, CancellationToken ct)
    {
        var seen = Interlocked.Read(ref generation);
        var from = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = from.AddMonths(1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rollups = db.Set<UsageRollup>()
            .Where(r => r.Day >= from && r.Day < to && db.OrgAncestries.Any(a => a.AncestorId == key.OrgId && a.DescendantId == r.OrgId));
        if (key.Activity != AllActivities)
        {
            rollups = rollups.Where(r => r.Activity == key.Activity);
        }

        var total = await rollups.SumAsync(r => r.Credits, ct);
        if (Interlocked.Read(ref generation) == seen)
        {
            totals[key] = total;
        }

        return total;
    }
}
