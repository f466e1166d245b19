using Microsoft.AspNetCore.Http.HttpResults;
using Portal.ApiKeys;

namespace Portal.Audit;

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/v1/orgs/{orgId}/audit").WithTags("Audit");
        audit.MapGet("", Search).RequireScope(ApiKeyScopes.AuditRead).WithName("GetAuditEntries")
            .WithSummary("Audit entries of the org and its descendants, newest first");
        audit.MapGet("/verify", Verify).RequireScope(ApiKeyScopes.AuditRead).WithName("VerifyAuditChain")
            .WithSummary("Recompute the hash chain of the audit log");
        return app;
    }

    private static async Task<Ok<AuditPage>> Search(
        string orgId, string? actor, string? action, DateTime? from, DateTime? to, int? skip, int? take, AuditService audit, CancellationToken ct) =>
        TypedResults.Ok(await audit.SearchAsync(new AuditQuery(orgId, Actor: actor, Action: action,
            From: from?.ToUniversalTime(), To: to?.ToUniversalTime(), Skip: skip ?? 0, Take: take ?? 50), ct));

    private static async Task<Ok<ChainVerification>> Verify(string orgId, AuditService audit, CancellationToken ct) =>
        TypedResults.Ok(await audit.VerifyChainAsync(orgId, ct));
}
