using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Usage;

/// <summary>
/// Six months of plausible usage for the demo tree: a weekday rhythm, steady growth, each customer with its own mix
/// of activities, and Cobalt Learning running close to its monthly limit. Deterministic for a given month.
/// Stored through the same duplicate-safe writer as real ingestion, so raw events and roll-ups agree.
/// </summary>
public static class DemoUsage
{
    /// <summary>Credits per weekday at the start of the history, and the share of each activity.</summary>
    private static readonly Dictionary<string, (int Daily, double Growth, Dictionary<string, double> Mix)> Profiles = new()
    {
        ["Beacon Podcasts"] = (2600, 0.07, new() { ["speech"] = .30, ["script"] = .35, ["mastering"] = .25, ["voice"] = .04, ["sound"] = .04, ["file"] = .02 }),
        ["Cobalt Learning"] = (1500, 0.05, new() { ["speech"] = .45, ["speech-sync"] = .10, ["script"] = .35, ["mastering"] = .08, ["file"] = .02 }),
        ["Dune Radio"] = (600, 0.10, new() { ["speech-sync"] = .55, ["script"] = .25, ["sound"] = .15, ["voice"] = .05 }),
        ["Echo Games"] = (900, 0.02, new() { ["speech"] = .50, ["mastering"] = .30, ["sound"] = .20 }),
        ["Fable Kids"] = (250, 0.25, new() { ["speech"] = .60, ["script"] = .30, ["voice"] = .10 }),
        ["Gamma News"] = (800, 0.00, new() { ["speech"] = .70, ["script"] = .30 }),
        [DemoSeed.SuperOrgName] = (120, 0.00, new() { ["script"] = .60, ["voice"] = .40 }),
        ["Zenith Audiobooks"] = (1800, 0.04, new() { ["speech"] = .60, ["mastering"] = .40 }),
        ["Zenith Ads"] = (700, 0.06, new() { ["speech-sync"] = .50, ["sound"] = .50 }),
    };

    public static async Task SeedAsync(PortalDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-6);
        var orgs = await db.Organizations.IgnoreQueryFilters()
            .Where(o => Profiles.Keys.Contains(o.Name))
            .Select(o => new { o.Id, o.Name, o.Status, o.CreatedAt })
            .ToListAsync(ct);

        var stored = new List<NewUsageEvent>();
        foreach (var org in orgs.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            var (daily, growth, mix) = Profiles[org.Name];
            var random = new Random(org.Name.Aggregate(17, (hash, c) => unchecked(hash * 31 + c)));
            // Closed and suspended customers stopped using the platform a while ago.
            var stop = org.Status == OrgStatus.Active ? now : now.AddDays(-45 - random.Next(20));
            for (var day = start > org.CreatedAt.Date ? start : org.CreatedAt.Date; day < stop; day = day.AddDays(1))
            {
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                var months = (day - start).TotalDays / 30.4;
                var volume = daily * Math.Pow(1 + growth, months) * (weekend ? 0.35 : 1.0) * (0.8 + random.NextDouble() * 0.4);
                foreach (var (activity, share) in mix)
                {
                    var credits = (long)(volume * share);
                    var events = 1 + random.Next(3);
                    for (var e = 0; e < events && credits > 0; e++)
                    {
                        var part = e == events - 1 ? credits : credits / (events - e);
                        credits -= part;
                        var at = day.AddHours(8 + random.Next(12)).AddMinutes(random.Next(60));
                        if (at > now)
                        {
                            continue;
                        }

                        stored.Add(new NewUsageEvent(org.Id, $"demo-{day:yyyyMMdd}-{activity}-{e}", activity, part, at));
                    }
                }
            }
        }

        // A little usage from the last minutes, so the current period is never empty (even early on the 1st).
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var org in orgs.Where(o => o.Status == OrgStatus.Active).OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            var at = now.AddMinutes(-3) > monthStart ? now.AddMinutes(-3) : monthStart;
            var activity = Profiles[org.Name].Mix.OrderByDescending(m => m.Value).First().Key;
            stored.Add(new NewUsageEvent(org.Id, $"demo-latest-{now:yyyyMMddHHmm}", activity, 25, at));
        }

        await UsageEventWriter.For(db).WriteAsync(db, new UsageBatchOrigin(now, null, null), stored, ct);
    }
}
