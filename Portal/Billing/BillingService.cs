using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Billing;

public sealed record StatementLine(string Activity, long Credits, decimal UnitPrice, decimal Amount);

public sealed record StatementOrg(string OrgId, string Name, int Depth, IReadOnlyList<StatementLine> Lines)
{
    public long Credits => Lines.Sum(l => l.Credits);
    public decimal Amount => Lines.Sum(l => l.Amount);
}

public sealed record Statement(string BilledOrgId, string BilledOrgName, DateTime Period, string Currency, bool IsFinal, IReadOnlyList<StatementOrg> Orgs)
{
    public DateTime PeriodEnd => Period.AddMonths(1);
    public long TotalCredits => Orgs.Sum(o => o.Credits);
    public decimal TotalAmount => Orgs.Sum(o => o.Amount);
}

public sealed record SpendStatus(string OrgId, string Name, OrgStatus Status, BillingMode BillingMode, long UsedThisMonth, long? Limit, bool HardStop, string? WebhookUrl)
{
    public double? Percent => Limit is > 0 ? UsedThisMonth * 100.0 / Limit.Value : null;
}

/// <summary>
/// A child's spend-alert webhook and the secret its deliveries are signed with (see <see cref="WebhookSigning"/>); null
/// for a webhook set before secrets existed, until its secret is rotated.
/// </summary>
public sealed record AlertWebhook(string OrgId, string Url, string? SigningSecret);

public sealed record AlertRow(string OrgId, string OrgName, DateTime Period, int ThresholdPercent, long CreditsUsed, long Limit, DateTime At, bool Delivered);

/// <summary>
/// Monthly statements for the org that pays: a line per org it pays for and activity, priced from configuration;
/// billing modes; spend limits and their alerts. Everything reads the daily roll-up.
/// </summary>
public sealed class BillingService(
    AccessService access,
    TenantDb tenantDb,
    AuditWriter audit,
    TimeProvider clock,
    IOptions<BillingOptions> options,
    MonthlyUsageCounter counter,
    SpendLimitCache limits,
    WebhookSigning signing)
{
    public static DateTime MonthOf(DateTime time) => new(time.Year, time.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    public DateTime CurrentPeriod => MonthOf(clock.GetUtcNow().UtcDateTime);

    public async Task<Statement> GetStatementAsync(string orgId, DateTime period, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewBilling, ct);
        var from = MonthOf(period);
        var to = from.AddMonths(1);
        await using var db = await tenantDb.OpenAsync(ct);
        var subtree = await db.OrgAncestries.Where(a => a.AncestorId == orgId)
            .Join(db.Organizations, a => a.DescendantId, o => o.Id, (a, o) => new { o.Id, o.Name, o.ParentId, o.BillingMode, o.Depth })
            .ToListAsync(ct);
        var billedOrg = subtree.Single(o => o.Id == orgId);
        var byId = subtree.ToDictionary(o => o.Id);

        // An org is on this statement unless it, or an org between it and the billed org, pays for itself.
        bool BilledHere(string id)
        {
            for (var current = byId[id]; current.Id != orgId; current = byId[current.ParentId!])
            {
                if (current.BillingMode == BillingMode.BilledToSelf)
                {
                    return false;
                }
            }

            return true;
        }

        var usage = await db.Set<UsageRollup>()
            .Where(r => r.Day >= from && r.Day < to)
            .Join(db.OrgAncestries.Where(a => a.AncestorId == orgId), r => r.OrgId, a => a.DescendantId, (r, a) => r)
            .GroupBy(r => new { r.OrgId, r.Activity })
            .Select(g => new { g.Key.OrgId, g.Key.Activity, Credits = g.Sum(r => r.Credits) })
            .ToListAsync(ct);

        var prices = options.Value;
        var orgs = usage.Where(u => BilledHere(u.OrgId))
            .GroupBy(u => u.OrgId)
            .Select(g => new StatementOrg(g.Key, byId[g.Key].Name, byId[g.Key].Depth - billedOrg.Depth,
                g.OrderBy(u => u.Activity, StringComparer.Ordinal)
                    .Select(u => new StatementLine(u.Activity, u.Credits, prices.PriceOf(u.Activity),
                        Math.Round(u.Credits * prices.PriceOf(u.Activity), 2, MidpointRounding.AwayFromZero)))
                    .ToList()))
            .OrderBy(o => o.Depth).ThenBy(o => o.Name, StringComparer.Ordinal)
            .ToList();
        return new Statement(orgId, billedOrg.Name, from, prices.Currency, to <= clock.GetUtcNow().UtcDateTime, orgs);
    }

    /// <summary>The months that have usage, newest first (at most two years back).</summary>
    public async Task<IReadOnlyList<DateTime>> PeriodsAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewBilling, ct);
        var since = CurrentPeriod.AddYears(-2);
        await using var db = await tenantDb.OpenAsync(ct);
        var days = await db.Set<UsageRollup>()
            .Where(r => r.Day >= since)
            .Join(db.OrgAncestries.Where(a => a.AncestorId == orgId), r => r.OrgId, a => a.DescendantId, (r, a) => r.Day)
            .Distinct()
            .ToListAsync(ct);
        return days.Select(MonthOf).Append(CurrentPeriod).Distinct().OrderDescending().ToList();
    }

    public async Task WriteStatementCsvAsync(string orgId, DateTime period, Stream output, CancellationToken ct)
    {
        var statement = await GetStatementAsync(orgId, period, ct);
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), leaveOpen: true);
        var csv = new Csv(writer);
        await csv.WriteRowAsync("period", "org_id", "org_name", "activity", "credits", "unit_price", "amount", "currency");
        foreach (var org in statement.Orgs)
        {
            foreach (var line in org.Lines)
            {
                await csv.WriteRowAsync(statement.Period.ToString("yyyy-MM"), org.OrgId, org.Name, line.Activity, line.Credits, line.UnitPrice, line.Amount, statement.Currency);
            }

            await csv.WriteRowAsync(statement.Period.ToString("yyyy-MM"), org.OrgId, org.Name, "subtotal", org.Credits, "", org.Amount, statement.Currency);
        }

        await csv.WriteRowAsync(statement.Period.ToString("yyyy-MM"), statement.BilledOrgId, statement.BilledOrgName, "total", statement.TotalCredits, "", statement.TotalAmount, statement.Currency);
    }

    /// <summary>Spend status of the org's children (limits are set from above).</summary>
    public async Task<IReadOnlyList<SpendStatus>> ChildSpendAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewBilling, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var children = await db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)
            .GroupJoin(db.Set<SpendLimit>(), o => o.Id, l => l.OrgId, (o, l) => new { o, l })
            .SelectMany(x => x.l.DefaultIfEmpty(), (x, l) => new { x.o.Id, x.o.Name, x.o.Status, x.o.BillingMode, Limit = l })
            .ToListAsync(ct);
        var result = new List<SpendStatus>();
        foreach (var child in children)
        {
            var used = await counter.GetAsync(child.Id, null, ct);
            result.Add(new SpendStatus(child.Id, child.Name, child.Status, child.BillingMode, used, child.Limit?.MonthlyCredits, child.Limit?.HardStop ?? false, child.Limit?.AlertWebhookUrl));
        }

        return result;
    }

    public async Task<IReadOnlyList<AlertRow>> AlertsAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewBilling, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await db.Set<SpendAlert>()
            .Where(a => db.OrgAncestries.Any(x => x.AncestorId == orgId && x.DescendantId == a.OrgId))
            .OrderByDescending(a => a.At)
            .Take(50)
            .Join(db.Organizations, a => a.OrgId, o => o.Id, (a, o) => new AlertRow(a.OrgId, o.Name, a.Period, a.ThresholdPercent, a.CreditsUsed, a.Limit, a.At, a.WebhookDeliveredAt != null))
            .ToListAsync(ct);
    }

    /// <summary>Limits (and their webhooks) are a child's, set by whom may manage its parent's billing.</summary>
    private async Task DemandLimitManagerAsync(PortalDbContext db, string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.ParentId is null)
        {
            throw new RuleViolationException("top_level_org", "Spend limits are set on child orgs, by their parent.");
        }

        await access.DemandAsync(org.ParentId, Permission.ManageBilling, ct);
    }

    /// <summary>Sets or (with a null limit) removes a child's monthly limit. Limits are imposed from the parent.</summary>
    public async Task SetSpendLimitAsync(string orgId, long? monthlyCredits, bool hardStop, string? webhookUrl, CancellationToken ct)
    {
        await using var db = await tenantDb.OpenAsync(ct);
        await DemandLimitManagerAsync(db, orgId, ct);
        if (monthlyCredits is < 1 or > 1_000_000_000_000)
        {
            throw new RuleViolationException("limit_invalid", "The monthly limit must be a whole number of credits from 1 to 10^12.", "limit");
        }

        var url = string.IsNullOrWhiteSpace(webhookUrl) ? null : webhookUrl.Trim();
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || url.Length > 2048))
        {
            throw new RuleViolationException("webhook_invalid", "The alert webhook must be an absolute http(s) URL.", "webhook");
        }

        var limit = await db.Set<SpendLimit>().SingleOrDefaultAsync(l => l.OrgId == orgId, ct);
        var before = limit is null ? null : new { limit.MonthlyCredits, limit.HardStop, limit.AlertWebhookUrl };
        if (monthlyCredits is null)
        {
            if (limit is not null)
            {
                db.Remove(limit);
            }
        }
        else
        {
            if (limit is null)
            {
                limit = new SpendLimit { OrgId = orgId };
                db.Add(limit);
            }

            // A webhook gets its signing secret when it is first set, keeps it when only its path changes, and gets a new
            // one when it moves to another host: the new receiver never holds a secret the old one knew.
            var sameReceiver = limit.AlertWebhookUrl is { } previous && url is not null
                && string.Equals(new Uri(previous).Authority, new Uri(url).Authority, StringComparison.OrdinalIgnoreCase);
            limit.AlertWebhookSecret = url is null ? null : sameReceiver && limit.AlertWebhookSecret is { } kept ? kept : signing.NewSecret().Stored;
            limit.MonthlyCredits = monthlyCredits.Value;
            limit.HardStop = hardStop;
            limit.AlertWebhookUrl = url;
            limit.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        }

        audit.Record(db, "billing.spend_limit_changed", orgId, before,
            monthlyCredits is null ? null : new { MonthlyCredits = monthlyCredits, HardStop = hardStop, AlertWebhookUrl = url });
        await db.SaveChangesAsync(ct);
        limits.Forget(orgId);
    }

    /// <summary>
    /// The alert webhooks this org set on its children's spend limits, with their signing secrets: for whom may manage
    /// this org's billing (a secret lets its holder sign alerts).
    /// </summary>
    public async Task<IReadOnlyList<AlertWebhook>> GetChildAlertWebhooksAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageBilling, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var stored = await db.Set<SpendLimit>()
            .Where(l => l.AlertWebhookUrl != null && db.Organizations.Any(o => o.Id == l.OrgId && o.ParentId == orgId))
            .OrderBy(l => l.OrgId)
            .Select(l => new { l.OrgId, l.AlertWebhookUrl, l.AlertWebhookSecret })
            .ToListAsync(ct);
        return stored.Select(l => new AlertWebhook(l.OrgId, l.AlertWebhookUrl!, l.AlertWebhookSecret is { } secret ? signing.TryReveal(secret) : null)).ToList();
    }

    /// <summary>A child's alert webhook with its signing secret, for whom may manage its parent's billing; null without one.</summary>
    public async Task<AlertWebhook?> GetAlertWebhookAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var parentId = await db.Organizations.Where(o => o.Id == orgId).Select(o => o.ParentId).SingleOrDefaultAsync(ct);
        if (parentId is null)
        {
            return null;
        }

        return (await GetChildAlertWebhooksAsync(parentId, ct)).SingleOrDefault(w => w.OrgId == orgId);
    }

    /// <summary>A new signing secret for a child's alert webhook; deliveries are signed with it from now on.</summary>
    public async Task<AlertWebhook> RotateAlertWebhookSecretAsync(string orgId, CancellationToken ct)
    {
        await using var db = await tenantDb.OpenAsync(ct);
        await DemandLimitManagerAsync(db, orgId, ct);
        var limit = await db.Set<SpendLimit>().SingleOrDefaultAsync(l => l.OrgId == orgId, ct);
        if (limit?.AlertWebhookUrl is not { } url)
        {
            throw new RuleViolationException("webhook_not_set", "This org's spend limit has no alert webhook to sign for.");
        }

        var (secret, protectedSecret) = signing.NewSecret();
        limit.AlertWebhookSecret = protectedSecret;
        limit.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(db, "billing.webhook_secret_rotated", orgId, null, new { AlertWebhookUrl = url });
        await db.SaveChangesAsync(ct);
        return new AlertWebhook(orgId, url, secret);
    }

    /// <summary>Whether a child's usage goes on its parent's statement (the default) or on its own.</summary>
    public async Task SetBillingModeAsync(string orgId, BillingMode mode, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.ParentId is null)
        {
            throw new RuleViolationException("top_level_org", "A top-level org always pays for itself.");
        }

        await access.DemandAsync(org.ParentId, Permission.ManageBilling, ct);
        if (org.BillingMode == mode)
        {
            return;
        }

        audit.Record(db, "billing.mode_changed", orgId, new { BillingMode = org.BillingMode.ToString() }, new { BillingMode = mode.ToString() });
        org.BillingMode = mode;
        org.Version = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
    }
}
