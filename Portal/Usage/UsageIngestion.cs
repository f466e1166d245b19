using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Data;
using Portal.Operations;
using Portal.Organizations;

namespace Portal.Usage;

public sealed record UsageEventInput(string? OrgId = null, string? Activity = null, decimal? Credits = null, DateTime? OccurredAt = null, string? EventId = null)
{
    // Bound through its setters when the serializer reads a batch (UsageBatchReader's fallback): cheaper than
    // constructor binding for a thousand events.
    [System.Text.Json.Serialization.JsonConstructor]
    public UsageEventInput()
        : this(null, null, null, null, null)
    {
    }
}

public enum UsageEventOutcome
{
    Accepted,
    Duplicate,
    Rejected,
}

public sealed record UsageEventResult(int Index, string? EventId, UsageEventOutcome Status, string? Code = null, string? Reason = null);

public sealed record UsageBatchResult(int Accepted, int Duplicates, int Rejected, IReadOnlyList<UsageEventResult> Events);

public sealed class UsageOptions
{
    public const string Section = "Usage";

    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>How late an event may arrive (late events still count in their own day).</summary>
    public int AcceptDaysBack { get; set; } = 40;

    /// <summary>How far in the future an event may be dated (clock skew of the metering hosts).</summary>
    public int AcceptMinutesAhead { get; set; } = 5;

    public const long MaxCreditsPerEvent = 1_000_000_000;
}

/// <summary>
/// Takes batches of usage events. Each event is validated on its own: good ones are stored, bad ones are named and
/// store nothing. Storing is duplicate-safe (insert-or-ignore on (org, event id)) and the daily roll-up is updated in
/// the same transaction, so a retried batch never counts twice and a failure leaves nothing half done.
/// </summary>
public sealed class UsageIngestion(
    TenantContext tenant,
    IDbContextFactory<PortalDbContext> dbFactory,
    TimeProvider clock,
    IOptions<UsageOptions> options,
    OrgChainCache chains,
    MonthlyUsageCounter counter,
    Billing.SpendAlertMonitor alerts,
    InFlightWork inFlight,
    PortalTelemetry telemetry)
{
    public async Task<UsageBatchResult> IngestAsync(IReadOnlyList<UsageEventInput> batch, CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.ScopeOrgId is not { } scopeOrgId)
        {
            throw new OrgNotFoundException("");
        }

        if (batch.Count == 0)
        {
            throw new RuleViolationException("batch_empty", "The batch has no events.", "events");
        }

        if (batch.Count > options.Value.MaxBatchSize)
        {
            throw new RuleViolationException("batch_too_large", $"A batch holds at most {options.Value.MaxBatchSize} events; this one has {batch.Count}.", "events");
        }

        using var trace = PortalTelemetry.Traces.StartActivity("usage.ingest");
        trace?.SetTag("portal.org_id", scopeOrgId);
        trace?.SetTag("portal.usage.batch_size", batch.Count);
        var started = Stopwatch.GetTimestamp();
        var orgs = await BatchOrgsAsync(scopeOrgId, batch, ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var results = new UsageEventResult[batch.Count];
        var valid = new List<(int Index, UsageEventInput Input, string Activity, long Credits, DateTime OccurredAt)>(batch.Count);
        var window = (From: now.AddDays(-options.Value.AcceptDaysBack), To: now.AddMinutes(options.Value.AcceptMinutesAhead));
        for (var i = 0; i < batch.Count; i++)
        {
            var rejection = Validate(batch[i], orgs.Statuses, window, out var activity, out var credits, out var occurredAt);
            if (rejection is { } r)
            {
                results[i] = new UsageEventResult(i, batch[i].EventId, UsageEventOutcome.Rejected, r.Code, r.Reason);
            }
            else
            {
                valid.Add((i, batch[i], activity!, credits, occurredAt));
            }
        }

        var orgsWithNewUsage = new HashSet<string>(StringComparer.Ordinal);
        if (valid.Count > 0)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var assumedOrgId = tenant.IsActing ? tenant.ActingOrgId : null;
            var origin = new UsageBatchOrigin(now, tenant.ApiKeyId, assumedOrgId);
            var events = valid.Select(v => new NewUsageEvent(v.Input.OrgId!, v.Input.EventId!.Trim(), v.Activity, v.Credits, v.OccurredAt)).ToList();
            bool[] stored;
            using var write = counter.BeginWrite();
            // A batch that started writing finishes, even when the app is asked to stop meanwhile.
            using (inFlight.Begin())
            {
                stored = await UsageEventWriter.For(db).WriteAsync(db, origin, events, CancellationToken.None);
            }

            for (var i = 0; i < valid.Count; i++)
            {
                var (index, input, activity, credits, occurredAt) = valid[i];
                if (stored[i])
                {
                    orgsWithNewUsage.Add(input.OrgId!);
                    write.Add(orgs.Ancestors[input.OrgId!], activity, occurredAt, credits);
                }

                results[index] = new UsageEventResult(index, input.EventId, stored[i] ? UsageEventOutcome.Accepted : UsageEventOutcome.Duplicate);
            }

            write.Committed();
        }

        if (orgsWithNewUsage.Count > 0)
        {
            // New usage changes the monthly totals of its org and of every ancestor.
            var affected = orgsWithNewUsage.SelectMany(orgId => orgs.Ancestors[orgId]).Distinct(StringComparer.Ordinal).ToList();
            await alerts.CheckAsync(affected, ct);
        }

        var result = new UsageBatchResult(
            results.Count(r => r.Status == UsageEventOutcome.Accepted),
            results.Count(r => r.Status == UsageEventOutcome.Duplicate),
            results.Count(r => r.Status == UsageEventOutcome.Rejected),
            results);
        telemetry.UsageBatchStored(result.Accepted, result.Duplicates, result.Rejected, Stopwatch.GetElapsedTime(started));
        return result;
    }

    private (string Code, string Reason)? Validate(
        UsageEventInput input, Dictionary<string, OrgStatus> orgs, (DateTime From, DateTime To) window,
        out string? activity, out long credits, out DateTime occurredAt)
    {
        activity = null;
        credits = 0;
        occurredAt = default;
        if (string.IsNullOrWhiteSpace(input.EventId) || input.EventId.AsSpan().Trim().Length > UsageEvent.MaxEventIdLength
            || input.EventId.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || input.EventId.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            return ("event_id_invalid", $"eventId is required: 1 to {UsageEvent.MaxEventIdLength} printable characters.");
        }

        if (string.IsNullOrWhiteSpace(input.OrgId) || !orgs.TryGetValue(input.OrgId, out var status))
        {
            return ("org_not_found", "orgId is not an organization you may report usage for.");
        }

        if (status == OrgStatus.Closed)
        {
            return ("org_closed", "The organization is closed and takes no usage.");
        }

        activity = Activities.Find(input.Activity)?.Key;
        if (activity is null)
        {
            return ("activity_unknown", $"activity must be one of: {string.Join(", ", Activities.All.Select(a => a.Key))}.");
        }

        if (input.Credits is not { } value || value < 0 || value != decimal.Truncate(value) || value > UsageOptions.MaxCreditsPerEvent)
        {
            return ("credits_invalid", $"credits must be a whole number from 0 to {UsageOptions.MaxCreditsPerEvent}.");
        }

        credits = (long)value;
        if (input.OccurredAt is not { } at)
        {
            return ("occurred_at_required", "occurredAt is required (ISO 8601, UTC).");
        }

        occurredAt = at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : at.ToUniversalTime();
        if (occurredAt > window.To || occurredAt < window.From)
        {
            return ("occurred_at_out_of_window",
                $"occurredAt must lie between {options.Value.AcceptDaysBack} days ago and {options.Value.AcceptMinutesAhead} minutes from now.");
        }

        return null;
    }

    /// <summary>
    /// The batch's orgs that lie in the caller's subtree, each with its effective status (closed if an ancestor is), and
    /// each one's ancestors (itself included), whose monthly totals its usage changes.
    /// </summary>
    private async Task<BatchOrgs> BatchOrgsAsync(string scopeOrgId, IReadOnlyList<UsageEventInput> batch, CancellationToken ct)
    {
        var ids = batch.Select(e => e.OrgId).Where(OrgIds.IsWellFormed).Cast<string>().ToHashSet(StringComparer.Ordinal);
        var statuses = new Dictionary<string, OrgStatus>(StringComparer.Ordinal);
        var ancestors = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (orgId, chain) in ids.Count == 0 ? [] : await chains.GetAsync(ids, ct))
        {
            if (chain.IsWithin(scopeOrgId))
            {
                statuses[orgId] = chain.EffectiveStatus;
                ancestors[orgId] = chain.AncestorIds;
            }
        }

        return new BatchOrgs(statuses, ancestors);
    }

    private sealed record BatchOrgs(Dictionary<string, OrgStatus> Statuses, Dictionary<string, IReadOnlyList<string>> Ancestors);
}
