using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.ApiKeys;

namespace Portal.Usage;

public sealed record UsageBatchRequest(IReadOnlyList<UsageEventInput>? Events = null);

public sealed record UsageEventResultData(int Index, string? EventId, string Status, string? Code, string? Reason);

/// <summary>What <c>POST /usage/events</c> answers (written by <see cref="UsageBatchAnswer"/>; this shape documents it).</summary>
public sealed record UsageBatchResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<UsageEventResultData> Events);

public static class UsageApi
{
    /// <summary>A full batch of 1,000 events is about 200 KB; anything far larger is refused before parsing.</summary>
    public const long MaxBatchBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/usage/events", PostEvents).RequireScopeToChange(ApiKeyScopes.UsageWrite).WithTags("Usage").WithName("PostUsageEvents")
            .WithSummary("Report a batch of usage events (idempotent per org and eventId)")
            .WithDescription("Up to 1,000 events. Each event is checked on its own: accepted events are stored and counted, duplicates " +
                "(same org and eventId as an earlier event) are ignored, rejected events store nothing and are named with a code. " +
                "The batch is not all-or-nothing. Retrying a batch never counts an event twice.")
            .Accepts<UsageBatchRequest>("application/json")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBatchBytes));

        var orgs = app.MapGroup("/api/v1/orgs/{orgId}/usage").WithTags("Usage");
        orgs.MapGet("", GetSummary).RequireScope(ApiKeyScopes.UsageRead).WithName("GetUsage")
            .WithSummary("Credits of an org and of each of its children, by activity, for a period (default: the current month)");
        orgs.MapGet("/daily", GetDaily).RequireScope(ApiKeyScopes.UsageRead).WithName("GetDailyUsage")
            .WithSummary("Daily credits by activity or by child org");
        return app;
    }

    private static async Task<Results<UsageBatchAnswer, ProblemHttpResult>> PostEvents(
        HttpRequest httpRequest, UsageIngestion ingestion, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var request = await UsageBatchReader.ReadAsync(httpRequest, json.Value.SerializerOptions, ct);
        if (request?.Events is null)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "events_required", "Send a JSON object with an \"events\" array.");
        }

        var result = await ingestion.IngestAsync(request.Events, ct);
        return new UsageBatchAnswer(result);
    }

    private static async Task<Ok<UsageSummary>> GetSummary(string orgId, DateTime? from, DateTime? to, UsageQueries usage, CancellationToken ct)
    {
        var (start, end) = Range(usage, from, to);
        return TypedResults.Ok(await usage.GetSummaryAsync(orgId, start, end, ct));
    }

    private static async Task<Ok<DailyUsage>> GetDaily(string orgId, DateTime? from, DateTime? to, UsageGrouping? groupBy, UsageQueries usage, CancellationToken ct)
    {
        var (start, end) = Range(usage, from, to);
        return TypedResults.Ok(await usage.GetDailyAsync(orgId, start, end, groupBy ?? UsageGrouping.Activity, ct));
    }

    private static (DateTime From, DateTime To) Range(UsageQueries usage, DateTime? from, DateTime? to)
    {
        var (periodFrom, periodTo) = usage.CurrentPeriod();
        var start = from is { } f ? DateTime.SpecifyKind(f.Date, DateTimeKind.Utc) : periodFrom;
        var end = to is { } t ? DateTime.SpecifyKind(t.Date, DateTimeKind.Utc) : periodTo;
        if (end <= start)
        {
            throw new Access.RuleViolationException("range_invalid", "to must be after from.", "to");
        }

        return (start, end);
    }
}
