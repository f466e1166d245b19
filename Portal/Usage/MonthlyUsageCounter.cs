using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Operations;

namespace Portal.Usage;

/// <summary>
/// Credits used this month by an org's whole subtree, per activity or in total, for the decision path (limits and
/// hard stops) and spend alerts. Answers from memory: a total is loaded from the roll-up once, then kept current by
/// adding what this instance's ingestion commits; other instances drop the totals that their usage changes (through
/// the invalidation bus) and load them again, and so does every instance when an org moves.
/// </summary>
/// <remarks>
/// A load must never store a total that already holds a write whose credits are then added again, nor miss one.
/// So a write is announced before it commits (<see cref="BeginWrite"/>) and its credits are added, under the same lock
/// that stores loaded totals, after it commits; a load stores its total only if no write was in flight or finished
/// while it read.
/// </remarks>
public sealed class MonthlyUsageCounter : Entitlements.IMonthlyUsageReader, Organizations.IOrgChangeListener
{
    public const string InvalidationTopic = "usage-totals";
    private const string AllActivities = "*";
    private readonly ConcurrentDictionary<(string OrgId, string Activity, int Month), long> totals = new();
    private readonly IDbContextFactory<PortalDbContext> dbFactory;
    private readonly TimeProvider clock;
    private readonly ICacheInvalidationBus bus;
    private readonly Lock gate = new();

    // Both only change under the gate: a load compares them before and after it reads.
    private long generation;
    private int writesInFlight;

    public MonthlyUsageCounter(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, ICacheInvalidationBus bus)
    {
        this.dbFactory = dbFactory;
        this.clock = clock;
        this.bus = bus;
        bus.Subscribe(InvalidationTopic, orgIds => Forget(orgIds.Count == 0 ? null : orgIds.ToHashSet(StringComparer.Ordinal)));
    }

    /// <summary>Usage is metered per activity: limits on activity items count, other items (voices...) are not metered.</summary>
    public ValueTask<long> GetCreditsUsedThisMonthAsync(string orgId, string itemKey, CancellationToken ct) =>
        itemKey.StartsWith("activity:", StringComparison.Ordinal) && Activities.Find(itemKey) is { } activity
            ? GetAsync(orgId, activity.Key, ct)
            : ValueTask.FromResult(0L);

    public ValueTask<long> GetAsync(string orgId, string? activity, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var key = (orgId, activity ?? AllActivities, MonthOf(now));
        return totals.TryGetValue(key, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<long>(LoadAsync(key, now, ct));
    }

    /// <summary>Call before writing usage, and <see cref="UsageWrite.Committed"/> once it is committed; dispose it either way.</summary>
    public UsageWrite BeginWrite()
    {
        lock (gate)
        {
            writesInFlight++;
        }

        return new UsageWrite(this);
    }

    /// <summary>A move changes its old and new ancestors' totals; status changes change none, but are rare enough.</summary>
    public void OrgStatusChanged(string orgId) => Forget(null);

    private void EndWrite(IReadOnlyDictionary<(string OrgId, string Activity, int Month), long>? added)
    {
        lock (gate)
        {
            generation++;
            writesInFlight--;
            foreach (var ((orgId, activity, month), credits) in added ?? new Dictionary<(string, string, int), long>())
            {
                foreach (var key in new[] { (orgId, activity, month), (orgId, AllActivities, month) })
                {
                    if (totals.TryGetValue(key, out var total))
                    {
                        totals[key] = total + credits;
                    }
                }
            }
        }

        if (added is { Count: > 0 })
        {
            bus.PublishToOthers(InvalidationTopic, added.Keys.Select(k => k.OrgId).Distinct(StringComparer.Ordinal).ToList());
        }
    }

    private void Forget(HashSet<string>? orgIds)
    {
        lock (gate)
        {
            generation++;
            if (orgIds is null)
            {
                totals.Clear();
                return;
            }

            foreach (var key in totals.Keys.Where(k => orgIds.Contains(k.OrgId)))
            {
                totals.TryRemove(key, out _);
            }
        }
    }

    private async Task<long> LoadAsync((string OrgId, string Activity, int Month) key, DateTime now, CancellationToken ct)
    {
        long seen;
        lock (gate)
        {
            seen = generation;
        }

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
        lock (gate)
        {
            if (generation == seen && writesInFlight == 0)
            {
                totals[key] = total;
            }
        }

        return total;
    }

    private static int MonthOf(DateTime at) => at.Year * 100 + at.Month;

    /// <summary>One write of usage, from before its commit to after it.</summary>
    public sealed class UsageWrite(MonthlyUsageCounter counter) : IDisposable
    {
        // Summed per org first, and spread to the ancestors once per group: a batch has many events and few groups.
        private readonly Dictionary<(string OrgId, string Activity, int Month), (IReadOnlyList<string> Chain, long Credits)> byOrg = new();
        private bool ended;

        /// <summary>Counts committed credits for each org whose totals include them: the event's org, then its ancestors.</summary>
        public void Add(IReadOnlyList<string> orgAndAncestors, string activity, DateTime occurredAt, long credits)
        {
            ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(byOrg, (orgAndAncestors[0], activity, MonthOf(occurredAt)), out _);
            group = (orgAndAncestors, group.Credits + credits);
        }

        /// <summary>The write committed: what was added counts from now on, here and (after a reload) everywhere.</summary>
        public void Committed()
        {
            if (!ended)
            {
                ended = true;
                var added = new Dictionary<(string OrgId, string Activity, int Month), long>();
                foreach (var ((_, activity, month), (chain, credits)) in byOrg)
                {
                    foreach (var orgId in chain)
                    {
                        ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(added, (orgId, activity, month), out _);
                        total += credits;
                    }
                }

                counter.EndWrite(added);
            }
        }

        public void Dispose()
        {
            if (!ended)
            {
                ended = true;
                counter.EndWrite(null);
            }
        }
    }
}
