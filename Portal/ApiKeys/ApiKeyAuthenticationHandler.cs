using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Portal.Organizations;

namespace Portal.ApiKeys;

public static class ApiKeyClaims
{
    public const string KeyId = "portal_api_key_id";
    public const string OrgId = "portal_api_key_org_id";
    public const string Scope = "scope";
}

/// <summary>Why a request carried no usable key; the 401 body says it with this code.</summary>
public readonly record struct ApiKeyFailure(string Code, string Message)
{
    public static readonly ApiKeyFailure Missing = new("api_key_missing", "Send your API key in the x-api-key header (or as Authorization: Bearer <key>).");
    public static readonly ApiKeyFailure Malformed = new("api_key_malformed", "Send exactly one API key, in the x-api-key header or as Authorization: Bearer <key>.");
    public static readonly ApiKeyFailure Invalid = new("api_key_invalid", "This API key is not valid.");
    public static readonly ApiKeyFailure Revoked = new("api_key_revoked", "This API key was revoked.");
    public static readonly ApiKeyFailure Expired = new("api_key_expired", "This API key has expired (after a rotation the old secret works only for the grace period).");
    public static readonly ApiKeyFailure OrgClosed = new("org_closed", "The organization that owns this API key is closed.");
}

/// <summary>
/// Authenticates <c>x-api-key: &lt;key&gt;</c> (both SDKs) or <c>Authorization: Bearer &lt;key&gt;</c> (the JavaScript SDK's
/// alternative; when both are sent, x-api-key wins, as the JavaScript SDK itself does).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyCache keys,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "x-api-key";
    public const string FailureItem = "Portal.ApiKeys.Failure";
    public const string SnapshotItem = "Portal.ApiKeys.Snapshot";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryReadPresentedKey(Request.Headers, out var presented))
        {
            return Refuse(ApiKeyFailure.Malformed);
        }

        if (presented is null)
        {
            Context.Items[FailureItem] = ApiKeyFailure.Missing;
            return AuthenticateResult.NoResult();
        }

        if (!ApiKeySecrets.IsWellFormed(presented))
        {
            return Refuse(ApiKeyFailure.Invalid);
        }

        var key = await keys.FindAsync(ApiKeySecrets.HashFor(Context, presented), Context.RequestAborted);
        if (Check(key, clock.GetUtcNow().UtcDateTime) is { } refused)
        {
            return Refuse(refused);
        }

        var claims = new List<Claim>
        {
            new(ApiKeyClaims.KeyId, key!.Id),
            new(ApiKeyClaims.OrgId, key.OrgId),
            new(ClaimTypes.Name, key.DisplayName),
        };
        claims.AddRange(key.Scopes.Select(scope => new Claim(ApiKeyClaims.Scope, scope)));
        Context.Items[SnapshotItem] = key;
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, null));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>Why this key (found by its secret's hash, or null) may not call the API now; null when it may.</summary>
    public static ApiKeyFailure? Check(ApiKeySnapshot? key, DateTime now) => key switch
    {
        null => ApiKeyFailure.Invalid,
        { RevokedAt: not null } => ApiKeyFailure.Revoked,
        { ExpiresAt: { } expiresAt } when expiresAt <= now => ApiKeyFailure.Expired,
        { OrgStatus: OrgStatus.Closed } => ApiKeyFailure.OrgClosed,
        _ => null,
    };

    private AuthenticateResult Refuse(ApiKeyFailure failure)
    {
        Context.Items[FailureItem] = failure;
        return AuthenticateResult.Fail(failure.Code);
    }

    /// <returns>False when the headers are ambiguous (several values); <paramref name="key"/> is null when none was sent.</returns>
    public static bool TryReadPresentedKey(IHeaderDictionary headers, out string? key)
    {
        key = null;
        var apiKey = headers[ApiKeyHeader];
        if (apiKey.Count > 1)
        {
            return false;
        }

        if (!StringValues.IsNullOrEmpty(apiKey) && !string.IsNullOrWhiteSpace(apiKey[0]))
        {
            key = apiKey[0]!.Trim();
            return true;
        }

        var authorization = headers.Authorization;
        if (authorization.Count > 1)
        {
            return false;
        }

        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is not null && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = value["Bearer ".Length..].Trim();
            key = token.Length == 0 ? null : token;
        }

        return true;
    }
}
