using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.ApiKeys;
using Portal.Data;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Entitlements;

/// <summary>What the platform's gateway asks before serving a call: the caller's key, the org it assumes, the item.</summary>
public sealed record DecisionRequest(string? ApiKey = null, string? KeyId = null, string? AssumeOrg = null, string? Item = null, string? Activity = null, long? Credits = null);

/// <param name="OrgId">The org the call would act as (the key's org, or the assumed one); null when the key is unusable.</param>
/// <param name="AtOrgId">The org the refusal comes from (an ancestor that lacks the item, a suspended org, an org at its limit).</param>
public sealed record DecisionResponse(bool Allowed, string Reason, string? OrgId, string? AtOrgId, string? KeyId);

public static class DecisionApi
{
    public const string Path = "/decision";

    public static IEndpointRouteBuilder MapDecisionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, DecideAsync).RequireScope(ApiKeyScopes.Decision).WithTags("Gateway").WithName("Decide")
            .WithSummary("May this key (acting as this org) use this item or activity now?")
            .WithDescription("Answers allowed or not, the effective org and a machine-readable reason: allowed, key_unknown, key_revoked, " +
                "key_expired, org_closed, assume_not_allowed, not_a_descendant, unknown_item, feature_off_here, feature_off_at_ancestor, " +
                "org_suspended, item_limit_reached, spend_limit_reached. A gateway key answers for keys of its own org and its descendants; " +
                "any other key is key_unknown. Served from in-process caches that are invalidated on every change.");
        return app;
    }

    private static async Task<Results<Ok<DecisionResponse>, ProblemHttpResult>> DecideAsync(
        DecisionRequest request, DecisionAnswers answers, Access.TenantContext tenant, Operations.PortalTelemetry telemetry, HttpContext context, CancellationToken ct)
    {
        var (answer, problem) = await answers.AnswerAsync(request, tenant.HomeOrgId!, ConnectionSecretHashes.Of(context), ct);
        if (answer is null)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, problem!.Value.Code, problem.Value.Message);
        }

        telemetry.DecisionAnswered(answer.Allowed, fastPath: false);
        return TypedResults.Ok(answer);
    }
}

/// <summary>Keys for the decision endpoint, by secret (through the authentication cache) or by id.</summary>
public sealed class KeyLookup(ApiKeyCache cache, IDbContextFactory<PortalDbContext> dbFactory)
{
    // Key ids never change their secret (rotation makes a new key), so id -> hash can be kept for good.
    private readonly ConcurrentDictionary<string, string?> hashesById = new(StringComparer.Ordinal);

    /// <param name="hashes">The connection's memo of secret hashes, when there is one.</param>
    public ValueTask<ApiKeySnapshot?> BySecretAsync(string secret, ConnectionSecretHashes? hashes, CancellationToken ct) =>
        ApiKeySecrets.IsWellFormed(secret)
            ? cache.FindAsync(hashes?.HashOf(secret) ?? ApiKeySecrets.Hash(secret), ct)
            : ValueTask.FromResult<ApiKeySnapshot?>(null);

    public async ValueTask<ApiKeySnapshot?> ByIdAsync(string keyId, CancellationToken ct)
    {
        if (keyId.Length > 64)
        {
            return null;
        }

        if (!hashesById.TryGetValue(keyId, out var hash))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            hash = await db.Set<ApiKey>().Where(k => k.Id == keyId).Select(k => k.SecretHash).SingleOrDefaultAsync(ct);
            if (hash is not null)
            {
                hashesById[keyId] = hash;
            }
        }

        return hash is null ? null : await cache.FindAsync(hash, ct);
    }
}
