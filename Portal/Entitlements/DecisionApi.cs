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
    public static IEndpointRouteBuilder MapDecisionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/decision", DecideAsync).RequireScope(ApiKeyScopes.Decision).WithTags("Gateway").WithName("Decide")
            .WithSummary("May this key (acting as this org) use this item or activity now?")
            .WithDescription("Answers allowed or not, the effective org and a machine-readable reason: allowed, key_unknown, key_revoked, " +
                "key_expired, org_closed, assume_not_allowed, not_a_descendant, unknown_item, feature_off_here, feature_off_at_ancestor, " +
                "org_suspended, item_limit_reached, spend_limit_reached. Served from in-process caches that are invalidated on every change.");
        return app;
    }

    private static async Task<Results<Ok<DecisionResponse>, ProblemHttpResult>> DecideAsync(
        DecisionRequest request, KeyLookup keys, EntitlementDecisionService decisions, TimeProvider clock, CancellationToken ct)
    {
        var item = request.Item ?? (request.Activity is { } activity && Usage.Activities.Find(activity) is { } known ? Usage.Activities.CatalogKey(known.Key) : request.Activity);
        if (string.IsNullOrWhiteSpace(item))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "item_required", "Name the catalog item (\"item\") or the activity (\"activity\").");
        }

        if (request.Credits is < 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "credits_invalid", "credits cannot be negative.");
        }

        if (request.AssumeOrg is { Length: > 0 } assumed && !OrgIds.IsWellFormed(assumed))
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "assume_org_invalid", "assumeOrg must be an org id (a UUID).");
        }

        var key = request.ApiKey is { Length: > 0 } secret ? await keys.BySecretAsync(secret, ct)
            : request.KeyId is { Length: > 0 } keyId ? await keys.ByIdAsync(keyId, ct)
            : null;
        if (request.ApiKey is not { Length: > 0 } && request.KeyId is not { Length: > 0 })
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "key_required", "Send the caller's key (\"apiKey\") or its id (\"keyId\").");
        }

        var refusal = key switch
        {
            null => "key_unknown",
            { RevokedAt: not null } => "key_revoked",
            { ExpiresAt: { } expires } when expires <= clock.GetUtcNow().UtcDateTime => "key_expired",
            { OrgStatus: OrgStatus.Closed } => "org_closed",
            _ => null,
        };
        if (refusal is not null)
        {
            return TypedResults.Ok(new DecisionResponse(false, refusal, null, null, key?.Id));
        }

        var assumeOrg = string.IsNullOrEmpty(request.AssumeOrg) ? null : request.AssumeOrg;
        if (assumeOrg is not null && assumeOrg != key!.OrgId && !key.Has(ApiKeyScopes.ActAs))
        {
            return TypedResults.Ok(new DecisionResponse(false, "assume_not_allowed", null, null, key.Id));
        }

        var orgId = assumeOrg ?? key!.OrgId;
        var decision = assumeOrg is null
            ? await decisions.DecideAsync(orgId, item, ct)
            : await decisions.DecideWithinAsync(key!.OrgId, orgId, item, ct);
        return TypedResults.Ok(new DecisionResponse(decision.Allowed, decision.Code,
            decision.Reason == DecisionReason.NotADescendant ? null : orgId, decision.AtOrgId, key!.Id));
    }
}

/// <summary>Keys for the decision endpoint, by secret (through the authentication cache) or by id.</summary>
public sealed class KeyLookup(ApiKeyCache cache, IDbContextFactory<PortalDbContext> dbFactory)
{
    // Key ids never change their secret (rotation makes a new key), so id -> hash can be kept for good.
    private readonly ConcurrentDictionary<string, string?> hashesById = new(StringComparer.Ordinal);

    public ValueTask<ApiKeySnapshot?> BySecretAsync(string secret, CancellationToken ct) =>
        ApiKeySecrets.IsWellFormed(secret) ? cache.FindAsync(ApiKeySecrets.Hash(secret), ct) : ValueTask.FromResult<ApiKeySnapshot?>(null);

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
