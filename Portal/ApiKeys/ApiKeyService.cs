using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;

namespace Portal.ApiKeys;

public enum ApiKeyState
{
    Active,

    /// <summary>Works until its expiry; after a rotation, until the end of the grace period.</summary>
    Expiring,
    Expired,
    Revoked,
}

public sealed record ApiKeyView(
    string Id,
    string OrgId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTime CreatedAt,
    string CreatedByName,
    DateTime? LastUsedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? ReplacedByKeyId,
    ApiKeyState State);

/// <summary>A new key and its secret: the only time the secret is available.</summary>
public sealed record IssuedApiKey(ApiKeyView Key, string Secret);

/// <summary>Creates, lists, rotates and revokes an org's API keys.</summary>
public sealed class ApiKeyService(
    AccessService access,
    TenantDb tenantDb,
    AuditWriter audit,
    TimeProvider clock,
    ApiKeyCache cache,
    IOptions<ApiKeyOptions> options)
{
    public const int MaxKeysPerOrg = 100;

    public TimeSpan RotationGracePeriod => options.Value.RotationGracePeriod;

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageApiKeys, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var keys = await db.Set<ApiKey>().AsNoTracking().Where(k => k.OrgId == orgId).ToListAsync(ct);
        var now = Now;
        return keys
            .OrderBy(k => StateOf(k, now) is ApiKeyState.Expired or ApiKeyState.Revoked)
            .ThenByDescending(k => k.CreatedAt)
            .Select(k => ToView(k, now))
            .ToList();
    }

    /// <summary>The key making the current API request.</summary>
    public async Task<ApiKeyView?> GetCallingKeyAsync(CancellationToken ct)
    {
        await access.Tenant.EnsureLoadedAsync(ct);
        var keyId = access.Tenant.ApiKeyId;
        if (keyId is null)
        {
            return null;
        }

        await using var db = await tenantDb.OpenAsync(ct);
        // The key belongs to the home org, which is above the acting org's subtree when assuming.
        var key = await db.Set<ApiKey>().IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(k => k.Id == keyId, ct);
        return key is null ? null : ToView(key, Now);
    }

    /// <summary>The scopes the caller may put on a new key of this org.</summary>
    public async Task<IReadOnlyList<ScopeInfo>> GrantableScopesAsync(string orgId, CancellationToken ct)
    {
        var permissions = await access.GetPermissionsAsync(orgId, ct);
        var callerScopes = await CallingKeyScopesAsync(ct);
        return ApiKeyScopes.All
            .Where(s => permissions.Includes(s.RequiredPermission) && (callerScopes is null || callerScopes.Contains(s.Name)))
            .ToList();
    }

    public async Task<IssuedApiKey> CreateAsync(string orgId, string? name, IReadOnlyCollection<string>? scopes, DateTime? expiresAt, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageApiKeys, ct);
        var trimmedName = ValidateName(name);
        var scopeSet = await ValidateScopesAsync(orgId, scopes, ct);
        var now = Now;
        if (expiresAt is { } expiry && expiry.ToUniversalTime() <= now)
        {
            throw new RuleViolationException("expiry_in_past", "The expiry must be in the future.", "expiresAt");
        }

        await using var db = await tenantDb.OpenAsync(ct);
        if (await db.Set<ApiKey>().CountAsync(k => k.OrgId == orgId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), ct) >= MaxKeysPerOrg)
        {
            throw new RuleViolationException("too_many_keys", $"An org can have at most {MaxKeysPerOrg} usable keys: revoke some first.");
        }

        var (key, secret) = NewKey(orgId, trimmedName, scopeSet, expiresAt?.ToUniversalTime(), rotatedFrom: null);
        db.Set<ApiKey>().Add(key);
        audit.Record(db, "apikey.created", orgId, after: new { key.Id, key.Name, key.Prefix, Scopes = key.ScopeList, key.ExpiresAt });
        await db.SaveChangesAsync(ct);
        return new IssuedApiKey(ToView(key, now), secret);
    }

    /// <summary>Takes effect on the next request. Revoking a revoked key changes nothing.</summary>
    public async Task<ApiKeyView> RevokeAsync(string orgId, string keyId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageApiKeys, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var key = await FindAsync(db, orgId, keyId, ct);
        if (key.RevokedAt is null)
        {
            key.RevokedAt = Now;
            audit.Record(db, "apikey.revoked", orgId, before: new { key.Id, key.Name, key.Prefix });
            await db.SaveChangesAsync(ct);
            cache.Evict(key.SecretHash);
        }

        return ToView(key, Now);
    }

    /// <summary>
    /// A new key with the same name, scopes and expiry; the old secret keeps working for
    /// <see cref="ApiKeyOptions.RotationGracePeriod"/> so clients can switch without downtime.
    /// </summary>
    public async Task<IssuedApiKey> RotateAsync(string orgId, string keyId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageApiKeys, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var old = await FindAsync(db, orgId, keyId, ct);
        var now = Now;
        if (old.ReplacedByKeyId is not null)
        {
            throw new RuleViolationException("already_rotated", "This key was already rotated: rotate its replacement instead.");
        }

        if (!old.IsUsableAt(now))
        {
            throw new RuleViolationException("key_not_usable", "Only a usable key can be rotated; create a new key instead.");
        }

        var (replacement, secret) = NewKey(orgId, old.Name, old.ScopeList, old.ExpiresAt, rotatedFrom: old.Id);
        var graceEnd = now + options.Value.RotationGracePeriod;
        old.ExpiresAt = old.ExpiresAt is { } expiry && expiry < graceEnd ? expiry : graceEnd;
        old.ReplacedByKeyId = replacement.Id;
        db.Set<ApiKey>().Add(replacement);
        audit.Record(db, "apikey.rotated", orgId,
            before: new { old.Id, old.Prefix },
            after: new { replacement.Id, replacement.Prefix, OldKeyExpiresAt = old.ExpiresAt });
        await db.SaveChangesAsync(ct);
        cache.Evict(old.SecretHash);
        return new IssuedApiKey(ToView(replacement, now), secret);
    }

    public static string ValidateName(string? name) =>
        DisplayNames.Validate(name, ApiKey.MaxNameLength, "Give the key a name, such as the script or service that uses it.", "Key names");

    private async Task<List<string>> ValidateScopesAsync(string orgId, IReadOnlyCollection<string>? scopes, CancellationToken ct)
    {
        if (scopes is null || scopes.Count == 0)
        {
            throw new RuleViolationException("scopes_required", "Choose at least one scope.", "scopes");
        }

        var unknown = scopes.Where(s => ApiKeyScopes.Find(s) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new RuleViolationException("scope_unknown",
                $"Unknown scope '{string.Join("', '", unknown.Take(5))}'. Known scopes: {string.Join(", ", ApiKeyScopes.Names)}.", "scopes");
        }

        var grantable = (await GrantableScopesAsync(orgId, ct)).Select(s => s.Name).ToHashSet();
        var refused = scopes.Where(s => !grantable.Contains(s)).Distinct().ToList();
        if (refused.Count > 0)
        {
            throw new RuleViolationException("scope_not_grantable",
                $"You cannot grant '{string.Join("', '", refused)}' here: it needs a permission you do not hold on this org" +
                (access.Tenant.Kind == CallerKind.ApiKey ? ", or a scope the calling key does not have." : "."), "scopes");
        }

        return scopes.Distinct().ToList();
    }

    /// <summary>A key may only hand out scopes it holds itself; null for a person.</summary>
    private async Task<HashSet<string>?> CallingKeyScopesAsync(CancellationToken ct)
    {
        await access.Tenant.EnsureLoadedAsync(ct);
        if (access.Tenant.Kind != CallerKind.ApiKey)
        {
            return null;
        }

        return (await GetCallingKeyAsync(ct))?.Scopes.ToHashSet() ?? [];
    }

    private (ApiKey Key, string Secret) NewKey(string orgId, string name, IEnumerable<string> scopes, DateTime? expiresAt, string? rotatedFrom)
    {
        var secret = ApiKeySecrets.Generate();
        var tenant = access.Tenant;
        var key = new ApiKey
        {
            Id = Guid.NewGuid().ToString("D"),
            OrgId = orgId,
            Name = name,
            Prefix = ApiKeySecrets.PrefixOf(secret),
            SecretHash = ApiKeySecrets.Hash(secret),
            Scopes = ApiKeyScopes.Format(scopes),
            CreatedAt = Now,
            CreatedByUserId = tenant.UserId,
            CreatedByApiKeyId = tenant.ApiKeyId,
            CreatedByName = tenant.DisplayName,
            ExpiresAt = expiresAt,
            RotatedFromKeyId = rotatedFrom,
        };
        return (key, secret);
    }

    private static async Task<ApiKey> FindAsync(PortalDbContext db, string orgId, string keyId, CancellationToken ct) =>
        await db.Set<ApiKey>().SingleOrDefaultAsync(k => k.Id == keyId && k.OrgId == orgId, ct)
        ?? throw new RuleViolationException("api_key_not_found", "This org has no API key with that id.");

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static ApiKeyState StateOf(ApiKey key, DateTime now) => key switch
    {
        { RevokedAt: not null } => ApiKeyState.Revoked,
        { ExpiresAt: { } expiry } when expiry <= now => ApiKeyState.Expired,
        { ExpiresAt: not null } => ApiKeyState.Expiring,
        _ => ApiKeyState.Active,
    };

    private static ApiKeyView ToView(ApiKey key, DateTime now) => new(
        key.Id, key.OrgId, key.Name, key.Prefix, key.ScopeList, key.CreatedAt, key.CreatedByName,
        key.LastUsedAt, key.ExpiresAt, key.RevokedAt, key.ReplacedByKeyId, StateOf(key, now));
}
