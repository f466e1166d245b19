using Portal.ApiKeys;
using Portal.Organizations;

namespace Portal.Entitlements;

/// <summary>
/// The answer of <c>POST /decision</c>, shared by the endpoint and its fast path. A gateway key answers only for keys
/// of its own org and its descendants: a key elsewhere is "key_unknown", never a hint that it exists.
/// </summary>
public sealed class DecisionAnswers(KeyLookup keys, EntitlementDecisionService decisions, OrgChainCache chains, TimeProvider clock)
{
    /// <summary>The decision for a well-formed request, or why the request is not one (a 400).</summary>
    public async ValueTask<(DecisionResponse? Answer, (string Code, string Message)? Problem)> AnswerAsync(
        DecisionRequest request, string gatewayOrgId, ConnectionSecretHashes? secretHashes, CancellationToken ct)
    {
        var item = request.Item ?? (request.Activity is { } activity && Usage.Activities.Find(activity) is { } known ? Usage.Activities.CatalogKey(known.Key) : request.Activity);
        if (string.IsNullOrWhiteSpace(item))
        {
            return (null, ("item_required", "Name the catalog item (\"item\") or the activity (\"activity\")."));
        }

        if (request.Credits is < 0)
        {
            return (null, ("credits_invalid", "credits cannot be negative."));
        }

        if (request.AssumeOrg is { Length: > 0 } assumed && !OrgIds.IsWellFormed(assumed))
        {
            return (null, ("assume_org_invalid", "assumeOrg must be an org id (a UUID)."));
        }

        if (request.ApiKey is not { Length: > 0 } && request.KeyId is not { Length: > 0 })
        {
            return (null, ("key_required", "Send the caller's key (\"apiKey\") or its id (\"keyId\")."));
        }

        var key = request.ApiKey is { Length: > 0 } secret ? await keys.BySecretAsync(secret, secretHashes, ct) : await keys.ByIdAsync(request.KeyId!, ct);
        if (key is not null && key.OrgId != gatewayOrgId && (await chains.GetAsync(key.OrgId, ct))?.IsWithin(gatewayOrgId) != true)
        {
            key = null;
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
            return (new DecisionResponse(false, refusal, null, null, key?.Id), null);
        }

        var assumeOrg = string.IsNullOrEmpty(request.AssumeOrg) ? null : request.AssumeOrg;
        if (assumeOrg is not null && assumeOrg != key!.OrgId && !key.Has(ApiKeyScopes.ActAs))
        {
            return (new DecisionResponse(false, "assume_not_allowed", null, null, key.Id), null);
        }

        var orgId = assumeOrg ?? key!.OrgId;
        var decision = assumeOrg is null
            ? await decisions.DecideAsync(orgId, item, ct)
            : await decisions.DecideWithinAsync(key!.OrgId, orgId, item, ct);
        return (new DecisionResponse(decision.Allowed, decision.Code,
            decision.Reason == DecisionReason.NotADescendant ? null : orgId, decision.AtOrgId, key!.Id), null);
    }
}
