using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Billing;

/// <summary>Demo limits: Cobalt Learning close to its monthly limit, Echo Games with a hard stop, Dune Radio paying for itself.</summary>
public static class DemoBilling
{
    public static async Task SeedAsync(PortalDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var period = BillingService.MonthOf(now);
        var cobaltId = DemoSeed.OrgId("Cobalt Learning");
        var monthToDate = await db.Set<UsageRollup>().Where(r => r.OrgId == cobaltId && r.Day >= period).SumAsync(r => r.Credits, ct);
        // About 88% of the limit is used, whatever day of the month the demo starts on.
        var cobaltLimit = Math.Max(1_000, (long)Math.Ceiling(monthToDate / 0.88 / 100) * 100);

        db.AddRange(
            new SpendLimit { OrgId = cobaltId, MonthlyCredits = cobaltLimit, HardStop = false, UpdatedAt = now.AddDays(-20) },
            new SpendLimit { OrgId = DemoSeed.OrgId("Beacon Podcasts"), MonthlyCredits = 250_000, HardStop = false, UpdatedAt = now.AddDays(-60) },
            new SpendLimit { OrgId = DemoSeed.OrgId("Echo Games"), MonthlyCredits = 20_000, HardStop = true, UpdatedAt = now.AddDays(-90) });
        if (monthToDate * 100 >= 80 * cobaltLimit)
        {
            db.Add(new SpendAlert { OrgId = cobaltId, Period = period, ThresholdPercent = 80, CreditsUsed = monthToDate, Limit = cobaltLimit, At = now.AddHours(-3) });
        }

        var dune = await db.Organizations.IgnoreQueryFilters().SingleAsync(o => o.Id == DemoSeed.OrgId("Dune Radio"), ct);
        dune.BillingMode = BillingMode.BilledToSelf;
        await db.SaveChangesAsync(ct);
    }
}
