using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.ApiKeys;

namespace Portal.Billing;

public static class BillingApi
{
    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        var statements = app.MapGroup("/api/v1/orgs/{orgId}/statements").WithTags("Billing");
        statements.MapGet("", ListPeriods).RequireScope(ApiKeyScopes.BillingRead).WithName("ListStatementPeriods")
            .WithSummary("The months that have a statement, newest first");
        statements.MapGet("/{period}", GetStatement).RequireScope(ApiKeyScopes.BillingRead).WithName("GetStatement")
            .WithSummary("The statement of one month (yyyy-MM): a line per org and activity, subtotals per org, the total. Add .csv for CSV.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<string>>> ListPeriods(string orgId, BillingService billing, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<string>>((await billing.PeriodsAsync(orgId, ct)).Select(p => p.ToString("yyyy-MM", CultureInfo.InvariantCulture)).ToList());

    private static async Task<IResult> GetStatement(string orgId, string period, BillingService billing, HttpContext http, CancellationToken ct)
    {
        var csv = period.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        var month = csv ? period[..^4] : period;
        if (!DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "period_invalid", "The period is a month written yyyy-MM, e.g. 2026-11 (add .csv for CSV).");
        }

        start = DateTime.SpecifyKind(start, DateTimeKind.Utc);
        if (!csv)
        {
            return TypedResults.Ok(await billing.GetStatementAsync(orgId, start, ct));
        }

        await billing.GetStatementAsync(orgId, start, ct);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"statement-{orgId}-{month}.csv\"";
        await billing.WriteStatementCsvAsync(orgId, start, http.Response.Body, ct);
        return TypedResults.Empty;
    }
}
