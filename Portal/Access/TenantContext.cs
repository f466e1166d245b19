using Portal.Audit;

namespace Portal.Access;

public enum CallerKind
{
    Anonymous,
    User,
    ApiKey,
}

/// <summary>
/// Who is calling, from which home org, acting as which org. One per Blazor circuit and per API request;
/// every service reads it, none looks at HttpContext.
/// </summary>
public sealed class TenantContext(ICallerResolver resolver)
{
    private bool loaded;

    public CallerKind Kind { get; private set; }
    public Guid? UserId { get; private set; }
    public string? ApiKeyId { get; private set; }
    public string DisplayName { get; private set; } = "anonymous";
    public string? HomeOrgId { get; private set; }
    public string? ActingOrgId { get; private set; }
    public AuditSource Source { get; set; } = AuditSource.Portal;
    public string? ClientAddress { get; set; }

    /// <summary>The subtree every read and write is limited to.</summary>
    public string? ScopeOrgId => ActingOrgId ?? HomeOrgId;
    public bool IsActing => ActingOrgId is not null;

    public async ValueTask EnsureLoadedAsync(CancellationToken ct)
    {
        if (loaded)
        {
            return;
        }

        await resolver.ResolveAsync(this, ct);
        loaded = true;
    }

    public void SetUser(Guid userId, string displayName, string? homeOrgId)
    {
        Kind = CallerKind.User;
        UserId = userId;
        ApiKeyId = null;
        DisplayName = displayName;
        HomeOrgId = homeOrgId;
        ActingOrgId = null;
        loaded = true;
    }

    public void SetApiKey(string apiKeyId, string displayName, string homeOrgId)
    {
        Kind = CallerKind.ApiKey;
        ApiKeyId = apiKeyId;
        UserId = null;
        DisplayName = displayName;
        HomeOrgId = homeOrgId;
        ActingOrgId = null;
        Source = AuditSource.Api;
        loaded = true;
    }

    public void SetAnonymous()
    {
        Kind = CallerKind.Anonymous;
        UserId = null;
        ApiKeyId = null;
        DisplayName = "anonymous";
        HomeOrgId = null;
        ActingOrgId = null;
        loaded = true;
    }

    /// <summary>Only <see cref="ActAsService"/> and the API's x-assume-org handling call this, after checking.</summary>
    internal void SetActingOrg(string? orgId) => ActingOrgId = orgId == HomeOrgId ? null : orgId;

    /// <summary>Switches the home org among the user's own memberships (checked by the caller).</summary>
    internal void SetHomeOrg(string orgId)
    {
        HomeOrgId = orgId;
        ActingOrgId = null;
    }
}

/// <summary>Fills a <see cref="TenantContext"/> from whatever identifies the caller (a cookie, an API key).</summary>
public interface ICallerResolver
{
    Task ResolveAsync(TenantContext tenant, CancellationToken ct);
}
