using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Operations;
using Portal.Usage;

namespace Portal.Billing;

public sealed record SpendLimitSnapshot(long MonthlyCredits, bool HardStop);

/// <summary>Spend limits by org, in memory for the decision path; forgotten on every instance when a limit changes.</summary>
public sealed class SpendLimitCache
{
    public const string InvalidationTopic = "spend-limits";
    private readonly ConcurrentDictionary<string, SpendLimitSnapshot?> limits = new(StringComparer.Ordinal);
    private readonly IDbContextFactory<PortalDbContext> dbFactory;
    private readonly ICacheInvalidationBus bus;
    private long generation;

    public SpendLimitCache(IDbContextFactory<PortalDbContext> dbFactory, ICacheInvalidationBus bus)
    {
        this.dbFactory = dbFactory;
        this.bus = bus;
        bus.Subscribe(InvalidationTopic, orgIds =>
        {
            Interlocked.Increment(ref generation);
            if (orgIds.Count == 0)
            {
                limits.Clear();
            }

            foreach (var orgId in orgIds)
            {
                limits.TryRemove(orgId, out _);
            }
        });
    }

    public ValueTask<SpendLimitSnapshot?> GetAsync(string orgId, CancellationToken ct) =>
        limits.TryGetValue(orgId, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<SpendLimitSnapshot?>(LoadAsync(orgId, ct));

    public void Forget(string orgId) => bus.Publish(InvalidationTopic, [orgId]);

    public void ForgetAll() => bus.Publish(InvalidationTopic, []);

    private async Task<SpendLimitSnapshot?> LoadAsync(string orgId, CancellationToken ct)
    {
        var seen = Interlocked.Read(ref generation);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var limit = await db.Set<SpendLimit>().AsNoTracking().Where(l => l.OrgId == orgId)
            .Select(l => new SpendLimitSnapshot(l.MonthlyCredits, l.HardStop)).SingleOrDefaultAsync(ct);
        if (Interlocked.Read(ref generation) == seen)
        {
            limits[orgId] = limit;
        }

        return limit;
    }
}

/// <summary>
/// After usage lands, records each threshold an org's monthly spend crossed (once per period: a unique row) and
/// posts it to the limit's webhook when one is set. Delivery happens off the request; its outcome is stored.
/// </summary>
public sealed class SpendAlertMonitor(
    IDbContextFactory<PortalDbContext> dbFactory,
    MonthlyUsageCounter counter,
    SpendLimitCache limits,
    IOptions<BillingOptions> options,
    IHttpClientFactory httpClients,
    WebhookSigning signing,
    TimeProvider clock,
    ILogger<SpendAlertMonitor> logger)
{
    public const string WebhookClient = "spend-alerts";

    // Alerts are never deleted: a threshold once recorded for a period needs no further look at the database.
    private readonly ConcurrentDictionary<(string OrgId, DateTime Period, int Threshold), bool> recorded = new();

    /// <param name="orgIdsWithChangedTotals">The orgs with new usage and all their ancestors (whose totals include it).</param>
    public async Task CheckAsync(IReadOnlyCollection<string> orgIdsWithChangedTotals, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var period = BillingService.MonthOf(now);
        PortalDbContext? db = null;
        try
        {
            foreach (var orgId in orgIdsWithChangedTotals)
            {
                if (await limits.GetAsync(orgId, ct) is not { } limit)
                {
                    continue;
                }

                var used = await counter.GetAsync(orgId, null, ct);
                foreach (var threshold in options.Value.AlertThresholds.Order())
                {
                    if (used * 100 < (long)threshold * limit.MonthlyCredits)
                    {
                        break;
                    }

                    if (!recorded.ContainsKey((orgId, period, threshold)))
                    {
                        db ??= await dbFactory.CreateDbContextAsync(ct);
                        await RecordAsync(db, orgId, period, threshold, used, limit.MonthlyCredits, now, ct);
                        recorded.TryAdd((orgId, period, threshold), true);
                    }
                }
            }
        }
        finally
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }
    }

    private async Task RecordAsync(PortalDbContext db, string orgId, DateTime period, int threshold, long used, long limit, DateTime now, CancellationToken ct)
    {
        if (await db.Set<SpendAlert>().AnyAsync(a => a.OrgId == orgId && a.Period == period && a.ThresholdPercent == threshold, ct))
        {
            return;
        }

        var alert = new SpendAlert { OrgId = orgId, Period = period, ThresholdPercent = threshold, CreditsUsed = used, Limit = limit, At = now };
        db.Add(alert);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another batch recorded the same threshold at the same moment: the unique index keeps one.
            db.ChangeTracker.Clear();
            return;
        }

        var webhook = await db.Set<SpendLimit>().Where(l => l.OrgId == orgId && l.AlertWebhookUrl != null)
            .Select(l => new { Url = l.AlertWebhookUrl!, l.AlertWebhookSecret }).SingleOrDefaultAsync(ct);
        if (webhook is not null)
        {
            _ = Task.Run(() => DeliverAsync(alert.Id, webhook.Url, webhook.AlertWebhookSecret), CancellationToken.None);
        }
    }

    private async Task DeliverAsync(long alertId, string url, string? storedSecret)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var alert = await db.Set<SpendAlert>().SingleAsync(a => a.Id == alertId);
            try
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(new
                {
                    id = alert.Id,
                    type = "spend_limit.threshold_reached",
                    orgId = alert.OrgId,
                    period = alert.Period.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
                    thresholdPercent = alert.ThresholdPercent,
                    creditsUsed = alert.CreditsUsed,
                    limit = alert.Limit,
                    at = alert.At,
                }, JsonSerializerOptions.Web);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                if (storedSecret is not null)
                {
                    request.Headers.Add(WebhookSigning.SignatureHeader,
                        WebhookSigning.Signature(signing.Reveal(storedSecret), clock.GetUtcNow().ToUnixTimeSeconds(), body));
                }

                using var response = await httpClients.CreateClient(WebhookClient).SendAsync(request);
                response.EnsureSuccessStatusCode();
                alert.WebhookDeliveredAt = clock.GetUtcNow().UtcDateTime;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Security.Cryptography.CryptographicException)
            {
                alert.WebhookError = e.Message.Length > 500 ? e.Message[..500] : e.Message;
                logger.LogWarning(e, "Spend alert {AlertId} could not be delivered to its webhook.", alertId);
            }

            await db.SaveChangesAsync();
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            logger.LogError(e, "Spend alert {AlertId}: storing the delivery outcome failed.", alertId);
        }
    }
}

/// <summary>The hard stops of the decision path: a chain org whose hard-stop limit is used up refuses further use.</summary>
public sealed class SpendLimitGuard(SpendLimitCache limits, MonthlyUsageCounter counter) : Entitlements.ISpendLimitGuard
{
    public ValueTask<string?> FirstReachedHardStopAsync(string[] chain, CancellationToken ct)
    {
        for (var i = 0; i < chain.Length; i++)
        {
            var pendingLimit = limits.GetAsync(chain[i], ct);
            if (!pendingLimit.IsCompletedSuccessfully)
            {
                return SlowAsync(chain, i, ct);
            }

            if (pendingLimit.Result is { HardStop: true } limit)
            {
                var used = counter.GetAsync(chain[i], null, ct);
                if (!used.IsCompletedSuccessfully)
                {
                    return SlowAsync(chain, i, ct);
                }

                if (used.Result >= limit.MonthlyCredits)
                {
                    return ValueTask.FromResult<string?>(chain[i]);
                }
            }
        }

        return ValueTask.FromResult<string?>(null);
    }

    private async ValueTask<string?> SlowAsync(string[] chain, int from, CancellationToken ct)
    {
        for (var i = from; i < chain.Length; i++)
        {
            if (await limits.GetAsync(chain[i], ct) is { HardStop: true } limit && await counter.GetAsync(chain[i], null, ct) >= limit.MonthlyCredits)
            {
                return chain[i];
            }
        }

        return null;
    }
}
