using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Usage;

public sealed record ActivityTotal(string Activity, long Credits);

public sealed record ChildUsage(string OrgId, string Name, OrgStatus Status, IReadOnlyList<ActivityTotal> ByActivity)
{
    public long Total => ByActivity.Sum(a => a.Credits);
}

public sealed record UsageSummary(
    string OrgId,
    string OrgName,
    DateTime From,
    DateTime To,
    IReadOnlyList<ActivityTotal> ByActivity,
    IReadOnlyList<ChildUsage> Children,
    long OwnCredits)
{
    public long Total => ByActivity.Sum(a => a.Credits);
}

public enum UsageGrouping
{
    Activity,
    Child,
}

public sealed record UsageSeries(string Key, string Name, IReadOnlyList<long> Values);

public sealed record DailyUsage(IReadOnlyList<DateTime> Days, IReadOnlyList<UsageSeries> Series);

public sealed record TopConsumer(string OrgId, string Name, long Credits, double Share, long PreviousCredits)
{
    /// <summary>Change against the previous period in percent; null when there was no usage then.</summary>
    public double? ChangePercent => PreviousCredits == 0 ? null : (Credits - PreviousCredits) * 100.0 / PreviousCredits;
}

/// <summary>Usage of an org and its subtree, always from the daily roll-up: the cost follows orgs and days, not raw events.</summary>
public sealed class UsageQueries(AccessService access, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock)
{
    public (DateTime From, DateTime To) CurrentPeriod()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var from = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return (from, from.AddMonths(1));
    }

    public async Task<UsageSummary> GetSummaryAsync(string orgId, DateTime from, DateTime to, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewUsage, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var org = await db.Organizations.Where(o => o.Id == orgId).Select(o => new { o.Name }).SingleAsync(ct);

        var inPeriod = Rollups(db, from, to);
        var byActivity = await inPeriod
            .Join(db.OrgAncestries.Where(a => a.AncestorId == orgId), r => r.OrgId, a => a.DescendantId, (r, a) => r)
            .GroupBy(r => r.Activity)
            .Select(g => new ActivityTotal(g.Key, g.Sum(r => r.Credits)))
            .ToListAsync(ct);

        var children = await db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)
            .Select(o => new { o.Id, o.Name, o.Status }).ToListAsync(ct);
        var byChild = await inPeriod
            .Join(ChildSubtrees(db, orgId), r => r.OrgId, a => a.DescendantId, (r, a) => new { a.AncestorId, r.Activity, r.Credits })
            .GroupBy(x => new { x.AncestorId, x.Activity })
            .Select(g => new { g.Key.AncestorId, g.Key.Activity, Credits = g.Sum(x => x.Credits) })
            .ToListAsync(ct);
        var own = await inPeriod.Where(r => r.OrgId == orgId).SumAsync(r => r.Credits, ct);

        return new UsageSummary(orgId, org.Name, from, to, Complete(byActivity),
            children.Select(c => new ChildUsage(c.Id, c.Name, c.Status,
                Complete(byChild.Where(x => x.AncestorId == c.Id).Select(x => new ActivityTotal(x.Activity, x.Credits))))).ToList(),
            own);
    }

    /// <summary>Credits this month of each given org's subtree, for orgs at or below <paramref name="scopeOrgId"/> (one query).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CreditsThisMonthAsync(string scopeOrgId, IReadOnlyCollection<string> orgIds, CancellationToken ct)
    {
        if (!await access.CanAsync(scopeOrgId, Permission.ViewUsage, ct) || orgIds.Count == 0)
        {
            return new Dictionary<string, long>();
        }

        var (from, to) = CurrentPeriod();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = orgIds.ToList();
        var inScope = db.OrgAncestries.Where(s => s.AncestorId == scopeOrgId).Select(s => s.DescendantId);
        var used = await Rollups(db, from, to)
            .Join(db.OrgAncestries.Where(a => ids.Contains(a.AncestorId) && inScope.Contains(a.AncestorId)), r => r.OrgId, a => a.DescendantId, (r, a) => new { a.AncestorId, r.Credits })
            .GroupBy(x => x.AncestorId)
            .Select(g => new { OrgId = g.Key, Credits = g.Sum(x => x.Credits) })
            .ToDictionaryAsync(x => x.OrgId, x => x.Credits, ct);
        var visible = await inScope.Where(id => ids.Contains(id)).ToListAsync(ct);
        return visible.ToDictionary(id => id, id => used.GetValueOrDefault(id));
    }

    public async Task<DailyUsage> GetDailyAsync(string orgId, DateTime from, DateTime to, UsageGrouping grouping, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewUsage, ct);
        if ((to - from).TotalDays > 400)
        {
            throw new RuleViolationException("range_too_long", "Choose a range of at most 400 days.", "range");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var days = Enumerable.Range(0, Math.Max(0, (int)(to.Date - from.Date).TotalDays)).Select(i => from.Date.AddDays(i)).ToList();
        var dayIndex = days.Select((d, i) => (d, i)).ToDictionary(x => x.d, x => x.i);
        var inPeriod = Rollups(db, from, to);

        List<(string Key, string Name, DateTime Day, long Credits)> points;
        if (grouping == UsageGrouping.Activity)
        {
            points = (await inPeriod
                    .Join(db.OrgAncestries.Where(a => a.AncestorId == orgId), r => r.OrgId, a => a.DescendantId, (r, a) => r)
                    .GroupBy(r => new { r.Activity, r.Day })
                    .Select(g => new { g.Key.Activity, g.Key.Day, Credits = g.Sum(r => r.Credits) })
                    .ToListAsync(ct))
                .Select(p => (p.Activity, Activities.DisplayName(p.Activity), p.Day, p.Credits)).ToList();
        }
        else
        {
            var names = await db.Organizations.Where(o => o.ParentId == orgId).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
            points = (await inPeriod
                    .Join(ChildSubtrees(db, orgId), r => r.OrgId, a => a.DescendantId, (r, a) => new { a.AncestorId, r.Day, r.Credits })
                    .GroupBy(x => new { x.AncestorId, x.Day })
                    .Select(g => new { g.Key.AncestorId, g.Key.Day, Credits = g.Sum(x => x.Credits) })
                    .ToListAsync(ct))
                .Select(p => (p.AncestorId, names[p.AncestorId], p.Day, p.Credits)).ToList();
        }

        var series = points.GroupBy(p => (p.Key, p.Name))
            .OrderByDescending(g => g.Sum(p => p.Credits))
            .Select(g =>
            {
                var values = new long[days.Count];
                foreach (var point in g)
                {
                    if (dayIndex.TryGetValue(point.Day, out var i))
                    {
                        values[i] += point.Credits;
                    }
                }

                return new UsageSeries(g.Key.Key, g.Key.Name, values);
            })
            .ToList();
        return new DailyUsage(days, series);
    }

    /// <summary>Children by credits in the period, with their share and their change against the period before.</summary>
    public async Task<IReadOnlyList<TopConsumer>> GetTopConsumersAsync(string orgId, DateTime from, DateTime to, CancellationToken ct)
    {
        var current = await GetSummaryAsync(orgId, from, to, ct);
        // A period still running is compared with the same stretch of the period before (month to date vs. the same days).
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now < to ? now : to;
        var previousFrom = from.Day == 1 && (to - from).TotalDays >= 28 ? from.AddMonths(-1) : from - (to - from);
        var previous = await GetSummaryAsync(orgId, previousFrom, previousFrom + (cutoff - from), ct);
        var previousTotals = previous.Children.ToDictionary(c => c.OrgId, c => c.Total);
        var total = Math.Max(1, current.Children.Sum(c => c.Total));
        return current.Children
            .Select(c => new TopConsumer(c.OrgId, c.Name, c.Total, c.Total / (double)total, previousTotals.GetValueOrDefault(c.OrgId)))
            .OrderByDescending(c => c.Credits)
            .ToList();
    }

    /// <summary>
    /// Closure rows (child, descendant) for every child of the org: joined to the roll-up, they sum each child's
    /// subtree. Expressed as a join on the closure table, not a list of ids, so the database uses its indexes.
    /// </summary>
    private static IQueryable<OrgAncestry> ChildSubtrees(PortalDbContext db, string orgId) =>
        db.OrgAncestries.Where(a => db.OrgAncestries.Any(p => p.AncestorId == orgId && p.Distance == 1 && p.DescendantId == a.AncestorId));

    private static IQueryable<UsageRollup> Rollups(PortalDbContext db, DateTime from, DateTime to) =>
        db.Set<UsageRollup>().Where(r => r.Day >= from && r.Day < to);

    /// <summary>Every activity once, in the console's order, zero where unused.</summary>
    private static List<ActivityTotal> Complete(IEnumerable<ActivityTotal> totals)
    {
        var byKey = totals.GroupBy(t => t.Activity).ToDictionary(g => g.Key, g => g.Sum(t => t.Credits));
        return Activities.All.Select(a => new ActivityTotal(a.Key, byKey.GetValueOrDefault(a.Key)))
            .Concat(byKey.Where(kv => Activities.Find(kv.Key) is null).Select(kv => new ActivityTotal(kv.Key, kv.Value)))
            .ToList();
    }
}
