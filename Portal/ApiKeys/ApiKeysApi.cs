using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Access;
using Portal.Api;

namespace Portal.ApiKeys;

public sealed record ApiKeyData(
    string Id,
    string OrgId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    ApiKeyState State,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? ReplacedByKeyId)
{
    public static ApiKeyData From(ApiKeyView key) => new(
        key.Id, key.OrgId, key.Name, key.Prefix, key.Scopes, key.State, key.CreatedAt, key.LastUsedAt, key.ExpiresAt, key.RevokedAt, key.ReplacedByKeyId);
}

/// <summary>The secret appears here once and never again.</summary>
public sealed record IssuedApiKeyData(ApiKeyData Key, string Secret);

public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string> Scopes, DateTime? ExpiresAt = null);

/// <summary>
/// What <c>GET /secrets</c> can honestly return: the calling key's metadata (never its secret: only a hash is stored),
/// and, for a key with <c>webhooks:read</c>, the spend-alert webhooks the org set on its children with their signing
/// secrets.
/// </summary>
public sealed record SecretsData(string OrgId, ApiKeyData ApiKey, IReadOnlyList<AlertWebhookData> AlertWebhooks);

/// <summary>A child's spend-alert webhook; deliveries carry x-portal-signature, an HMAC-SHA256 under <paramref name="SigningSecret"/>.</summary>
public sealed record AlertWebhookData(string OrgId, string Url, string? SigningSecret);

public static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        // Organization.get_secrets() of the Python SDK.
        app.MapGet("/secrets", GetSecrets).RequireApiKey().WithTags("api.audio SDK").WithName("GetSecrets")
            .WithSummary("The calling key's metadata, and for webhooks:read keys the alert webhooks the org set on its children with their signing secrets (Organization.get_secrets)");

        var keys = app.MapGroup("/api/v1/orgs/{orgId}/api-keys").WithTags("API keys");
        keys.MapGet("", List).RequireScope(ApiKeyScopes.KeysRead).WithName("ListApiKeys")
            .WithSummary("The org's API keys (metadata only)");
        keys.MapPost("", Create).RequireScopeToChange(ApiKeyScopes.KeysWrite).WithName("CreateApiKey")
            .WithSummary("Create a key; the answer holds its secret, shown only this once");
        keys.MapPost("/{keyId}/revoke", Revoke).RequireScopeToChange(ApiKeyScopes.KeysWrite).WithName("RevokeApiKey")
            .WithSummary("Revoke a key; refused from the next request on");
        keys.MapPost("/{keyId}/rotate", Rotate).RequireScopeToChange(ApiKeyScopes.KeysWrite).WithName("RotateApiKey")
            .WithSummary("Issue a new secret; the old one works for the grace period (24 h by default)");
        return app;
    }

    private static async Task<Results<Ok<SecretsData>, ProblemHttpResult>> GetSecrets(
        ApiKeyService keys, Billing.BillingService billing, TenantContext tenant, HttpContext http, CancellationToken ct)
    {
        var key = await keys.GetCallingKeyAsync(ct);
        if (key is null)
        {
            return ApiProblems.Problem(StatusCodes.Status401Unauthorized, ApiKeyFailure.Invalid.Code, ApiKeyFailure.Invalid.Message);
        }

        var orgId = tenant.ScopeOrgId ?? key.OrgId;
        // A key without webhooks:read sees its own metadata only.
        IReadOnlyList<Billing.AlertWebhook> webhooks = [];
        if (http.User.HasClaim(ApiKeyClaims.Scope, ApiKeyScopes.WebhooksRead))
        {
            try
            {
                webhooks = await billing.GetChildAlertWebhooksAsync(orgId, ct);
            }
            catch (AccessDeniedException)
            {
                webhooks = [];
            }
        }

        return TypedResults.Ok(new SecretsData(orgId, ApiKeyData.From(key),
            webhooks.Select(w => new AlertWebhookData(w.OrgId, w.Url, w.SigningSecret)).ToList()));
    }

    private static async Task<Ok<List<ApiKeyData>>> List(string orgId, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok((await keys.ListAsync(orgId, ct)).Select(ApiKeyData.From).ToList());

    private static async Task<Created<IssuedApiKeyData>> Create(string orgId, CreateApiKeyRequest request, ApiKeyService keys, CancellationToken ct)
    {
        var issued = await keys.CreateAsync(orgId, request.Name, request.Scopes, request.ExpiresAt, ct);
        return TypedResults.Created((string?)null, new IssuedApiKeyData(ApiKeyData.From(issued.Key), issued.Secret));
    }

    private static async Task<Ok<ApiKeyData>> Revoke(string orgId, string keyId, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(ApiKeyData.From(await keys.RevokeAsync(orgId, keyId, ct)));

    private static async Task<Created<IssuedApiKeyData>> Rotate(string orgId, string keyId, ApiKeyService keys, CancellationToken ct)
    {
        var issued = await keys.RotateAsync(orgId, keyId, ct);
        return TypedResults.Created((string?)null, new IssuedApiKeyData(ApiKeyData.From(issued.Key), issued.Secret));
    }
}
