using Portal.Access;

namespace Portal.ApiKeys;

/// <summary>
/// What an API key may call. Within its scopes a key acts with full rights on its org's subtree (see
/// <see cref="AccessService"/>), so only someone holding the matching permission may grant a scope.
/// </summary>
public static class ApiKeyScopes
{
    public const string OrgRead = "org:read";
    public const string OrgWrite = "org:write";
    public const string FeaturesRead = "features:read";
    public const string FeaturesWrite = "features:write";
    public const string UsageRead = "usage:read";
    public const string UsageWrite = "usage:write";
    public const string BillingRead = "billing:read";
    public const string WebhooksRead = "webhooks:read";
    public const string AuditRead = "audit:read";
    public const string KeysRead = "keys:read";
    public const string KeysWrite = "keys:write";
    public const string Decision = "decision";
    public const string ActAs = "act-as";

    private const string PolicyPrefix = "scope:";

    public static IReadOnlyList<ScopeInfo> All { get; } =
    [
        new(OrgRead, "Read the org, its child orgs and key metadata (GET /org, /org/child_orgs, /secrets)", Permission.ViewOrg),
        new(OrgWrite, "Create, rename, suspend and reactivate child orgs", Permission.ManageChildOrgs),
        new(FeaturesRead, "Read feature allocations", Permission.ViewOrg),
        new(FeaturesWrite, "Change feature allocations", Permission.ManageFeatures),
        new(UsageRead, "Read usage", Permission.ViewUsage),
        new(UsageWrite, "Report usage events", Permission.ManageApiKeys),
        new(BillingRead, "Read billing statements", Permission.ViewBilling),
        new(WebhooksRead, "Read the spend-alert webhooks set on child orgs, with their signing secrets (GET /secrets)", Permission.ManageBilling),
        new(AuditRead, "Read the audit log", Permission.ViewAudit),
        new(KeysRead, "List API keys", Permission.ManageApiKeys),
        new(KeysWrite, "Create, rotate and revoke API keys (never with more scopes than the calling key)", Permission.ManageApiKeys),
        new(Decision, "Ask the gateway decision endpoint", Permission.ManageApiKeys),
        new(ActAs, "Act on behalf of descendant orgs with the x-assume-org header", Permission.ActAsChildOrgs),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToList();

    public static ScopeInfo? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    public static IReadOnlyList<string> Parse(string stored) =>
        stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static string Format(IEnumerable<string> scopes) =>
        string.Join(' ', scopes.Distinct().OrderBy(s => s, StringComparer.Ordinal));

    public static string Policy(string scope) => PolicyPrefix + scope;

    public static string? FromPolicy(string policy) =>
        policy.StartsWith(PolicyPrefix, StringComparison.Ordinal) ? policy[PolicyPrefix.Length..] : null;
}

/// <param name="RequiredPermission">What the person (or key) creating a key must hold on its org to grant this scope.</param>
public sealed record ScopeInfo(string Name, string Description, Permission RequiredPermission);
