using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Usage;

/// <summary>
/// Credits used this month by an org's whole subtree, per activity or in total, for the decision path (limits and
/// hard stops). Answers from memory; a total is loaded from the roll-up once and dropped when ingestion adds usage to
/// that org or one of its descendants, so the next read sees it.
/// </summary>
public sealed class MonthlyUsageCounter(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock)
{
    private const string AllActivities = "*";
    private readonly ConcurrentDictionary<(string OrgId, string Activity, int Month), long> totals = new();

    // Bumped by every forget, so a load that raced with new usage does not store a stale total.
    private long generation;

    public ValueTask<long> GetAsync(string orgId, string? activity, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var key = (orgId, activity ?? AllActivities, now.Year * 100 + now.Month);
        return totals.TryGetValue(key, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<long>(LoadAsync(key, now, ct));
    }

    /// <summary>Forgets the totals that the given (just committed) usage changes: its org's and every ancestor's.</summary>
    public async Task RecordAsync(IReadOnlyCollection<(string OrgId, string Activity, DateTime OccurredAt, long Credits)> accepted, CancellationToken ct)
    {
        if (accepted.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref generation);

        var orgIds = accepted.Select(a => a.OrgId).Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var affected = await db.OrgAncestries.Where(a => orgIds.Contains(a.DescendantId)).Select(a => a.AncestorId).Distinct().ToListAsync(ct);
        ForgetOrgs(affected);
    }

    public void ForgetOrgs(IEnumerable<string> orgIds)
    {
        Interlocked.Increment(ref generation);
        var set = orgIds.ToHashSet(StringComparer.Ordinal);
        foreach (var key in totals.Keys.Where(k => set.Contains(k.OrgId)))
        {
            totals.TryRemove(key, out _);
        }
    }

    public void ForgetAll()
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
