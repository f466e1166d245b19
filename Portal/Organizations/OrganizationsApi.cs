using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Access;
using Portal.ApiKeys;
using Portal.Usage;

namespace Portal.Organizations;

/// <summary>An org as the API shows it; the same shape for GET /org, each of /org/child_orgs and the management endpoints.</summary>
public sealed record OrgData(
    string OrgId,
    string OrgName,
    string? ParentOrgId,
    OrgStatus Status,
    DateTime CreatedAt,
    int Depth,
    int ChildCount,
    int MemberCount,
    BillingMode BillingMode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PeriodUsage? Usage = null)
{
    public static OrgData From(OrgSummary org, PeriodUsage? usage = null) =>
        new(org.Id, org.Name, org.ParentId, org.Status, org.CreatedAt, org.Depth, org.ChildCount, org.MemberCount, org.BillingMode, usage);
}

/// <summary>Credits used by an org and its subtree in the current calendar month (UTC), from the daily roll-up.</summary>
public sealed record PeriodUsage(DateTime PeriodStart, DateTime PeriodEnd, long Credits, IReadOnlyDictionary<string, long> ByActivity);

public sealed record CreateChildOrgRequest(string Name);

public sealed record RenameOrgRequest(string Name);

public static class OrganizationsApi
{
    public static IEndpointRouteBuilder MapOrganizationsApi(this IEndpointRouteBuilder app)
    {
        // The Organization resource of the api.audio Python SDK: the org the key acts as (its own, or x-assume-org's).
        var sdk = app.MapGroup("/org").WithTags("api.audio SDK");
        sdk.MapGet("", GetCurrent).RequireScope(ApiKeyScopes.OrgRead).WithName("GetOrgData")
            .WithSummary("The acting org (Organization.get_org_data)");
        sdk.MapGet("/child_orgs", ListCurrentChildren).RequireScope(ApiKeyScopes.OrgRead).WithName("ListChildOrgs")
            .WithSummary("The acting org's child orgs (Organization.list_child_orgs)");

        var orgs = app.MapGroup("/api/v1/orgs").WithTags("Organizations");
        orgs.MapGet("/{orgId}", Get).RequireScope(ApiKeyScopes.OrgRead).WithName("GetOrg")
            .WithSummary("An org in the key's subtree");
        orgs.MapGet("/{orgId}/children", ListChildren).RequireScope(ApiKeyScopes.OrgRead).WithName("ListOrgChildren")
            .WithSummary("An org's child orgs");
        orgs.MapPost("/{orgId}/children", CreateChild).RequireScopeToChange(ApiKeyScopes.OrgWrite).WithName("CreateChildOrg")
            .WithSummary("Create a child org");
        orgs.MapPatch("/{orgId}", Rename).RequireScopeToChange(ApiKeyScopes.OrgWrite).WithName("RenameOrg")
            .WithSummary("Rename an org");
        orgs.MapPost("/{orgId}/suspend", Suspend).RequireScopeToChange(ApiKeyScopes.OrgWrite).WithName("SuspendOrg")
            .WithSummary("Suspend a child org: its members and keys may read but not change anything");
        orgs.MapPost("/{orgId}/reactivate", Reactivate).RequireScopeToChange(ApiKeyScopes.OrgWrite).WithName("ReactivateOrg")
            .WithSummary("Reactivate a suspended child org");
        return app;
    }

    private static async Task<Ok<OrgData>> GetCurrent(OrganizationService organizations, TenantContext tenant, CancellationToken ct) =>
        TypedResults.Ok(OrgData.From(await organizations.GetAsync(tenant.ScopeOrgId!, ct)));

    /// <summary>Each child with its usage this period when the key may read usage (scope usage:read); without it, no usage field.</summary>
    private static async Task<Ok<List<OrgData>>> ListCurrentChildren(
        OrganizationService organizations, UsageQueries usage, TenantContext tenant, HttpContext http, CancellationToken ct)
    {
        var orgId = tenant.ScopeOrgId!;
        var children = await organizations.GetChildrenAsync(orgId, ct);
        if (!http.User.HasClaim(ApiKeyClaims.Scope, ApiKeyScopes.UsageRead))
        {
            return TypedResults.Ok(children.Select(c => OrgData.From(c)).ToList());
        }

        var (from, to) = usage.CurrentPeriod();
        var summary = await usage.GetSummaryAsync(orgId, from, to, ct);
        var byChild = summary.Children.ToDictionary(c => c.OrgId);
        return TypedResults.Ok(children.Select(c => OrgData.From(c, byChild.TryGetValue(c.Id, out var used)
                ? new PeriodUsage(from, to, used.Total, used.ByActivity.ToDictionary(a => a.Activity, a => a.Credits))
                : new PeriodUsage(from, to, 0, new Dictionary<string, long>())))
            .ToList());
    }

    private static async Task<Ok<OrgData>> Get(string orgId, OrganizationService organizations, CancellationToken ct) =>
        TypedResults.Ok(OrgData.From(await organizations.GetAsync(orgId, ct)));

    private static async Task<Ok<List<OrgData>>> ListChildren(string orgId, OrganizationService organizations, CancellationToken ct) =>
        TypedResults.Ok((await organizations.GetChildrenAsync(orgId, ct)).Select(c => OrgData.From(c)).ToList());

    private static async Task<Created<OrgData>> CreateChild(string orgId, CreateChildOrgRequest request, OrganizationService organizations, CancellationToken ct)
    {
        var created = await organizations.CreateChildAsync(orgId, request.Name, ct);
        return TypedResults.Created($"/api/v1/orgs/{created.Id}", OrgData.From(created));
    }

    private static async Task<Ok<OrgData>> Rename(string orgId, RenameOrgRequest request, OrganizationService organizations, CancellationToken ct) =>
        TypedResults.Ok(OrgData.From(await organizations.RenameAsync(orgId, request.Name, ct)));

    private static async Task<Ok<OrgData>> Suspend(string orgId, OrganizationService organizations, CancellationToken ct) =>
        TypedResults.Ok(OrgData.From(await organizations.SuspendAsync(orgId, ct)));

    private static async Task<Ok<OrgData>> Reactivate(string orgId, OrganizationService organizations, CancellationToken ct) =>
        TypedResults.Ok(OrgData.From(await organizations.ReactivateAsync(orgId, ct)));
}
