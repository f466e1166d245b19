using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;

namespace Portal.Organizations;

public sealed record OrgSummary(
    string Id,
    string Name,
    string? ParentId,
    int Depth,
    OrgStatus Status,
    BillingMode BillingMode,
    DateTime CreatedAt,
    int ChildCount,
    int MemberCount);

public sealed record OrgOverview(OrgSummary Org, Permission Permissions, IReadOnlyList<OrgSummary> Children)
{
    public int ActiveChildren => Children.Count(c => c.Status == OrgStatus.Active);
    public int SuspendedChildren => Children.Count(c => c.Status == OrgStatus.Suspended);
    public int TotalMembersBelow => Children.Sum(c => c.MemberCount);
}

/// <summary>Reads and changes orgs in the caller's subtree.</summary>
public sealed class OrganizationService(
    AccessService access,
    TenantDb tenantDb,
    AuditWriter audit,
    TimeProvider clock,
    IOptions<OrgHierarchyOptions> hierarchy)
{
    public async Task<OrgSummary> GetAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await Summaries(db, db.Organizations.Where(o => o.Id == orgId)).SingleOrDefaultAsync(ct)
            ?? throw new OrgNotFoundException(orgId);
    }

    /// <summary>The org the caller is working in (acting org or home org), with its children.</summary>
    public async Task<OrgOverview?> GetCurrentOverviewAsync(CancellationToken ct)
    {
        await access.Tenant.EnsureLoadedAsync(ct);
        var orgId = access.Tenant.ScopeOrgId;
        return orgId is null ? null : await GetOverviewAsync(orgId, ct);
    }

    public async Task<OrgOverview> GetOverviewAsync(string orgId, CancellationToken ct)
    {
        var permissions = await access.GetPermissionsAsync(orgId, ct);
        if (!permissions.Includes(Permission.ViewOrg))
        {
            throw new OrgNotFoundException(orgId);
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var org = await Summaries(db, db.Organizations.Where(o => o.Id == orgId)).SingleOrDefaultAsync(ct)
            ?? throw new OrgNotFoundException(orgId);
        var children = await Summaries(db, db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)).ToListAsync(ct);
        return new OrgOverview(org, permissions, children);
    }

    public async Task<IReadOnlyList<OrgSummary>> GetChildrenAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await Summaries(db, db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)).ToListAsync(ct);
    }

    public async Task<OrgSummary> CreateChildAsync(string parentId, string name, CancellationToken ct)
    {
        await access.DemandAsync(parentId, Permission.ManageChildOrgs, ct);
        var trimmed = ValidateName(name);

        await using var db = await tenantDb.OpenAsync(ct);
        var parent = await db.Organizations.SingleOrDefaultAsync(o => o.Id == parentId, ct)
            ?? throw new OrgNotFoundException(parentId);
        if (parent.Status != OrgStatus.Active)
        {
            throw new RuleViolationException("parent_not_active", $"'{parent.Name}' is {parent.Status.ToString().ToLowerInvariant()}: reactivate it before adding child orgs.");
        }

        if (parent.Depth + 1 > hierarchy.Value.MaxDepth)
        {
            throw new RuleViolationException("depth_limit",
                $"Child orgs cannot be nested deeper than {hierarchy.Value.MaxDepth} level(s) below a top-level org.");
        }

        await EnsureNameFreeAsync(db, parentId, trimmed, exceptOrgId: null, ct);

        var org = new Organization
        {
            Id = OrgIds.New(),
            Name = trimmed,
            ParentId = parentId,
            Depth = parent.Depth + 1,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Organizations.Add(org);
        await AddClosureRowsAsync(db, org, ct);
        await Entitlements.NewOrgAllocations.ApplyAsync(db, org, org.CreatedAt, ct);
        audit.Record(db, "org.created", org.Id, after: new { org.Name, ParentId = parentId });
        await db.SaveChangesAsync(ct);
        return await GetAsync(org.Id, ct);
    }

    public static string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new RuleViolationException("name_required", "Give the organization a name.", "name");
        }

        if (trimmed.Length > Organization.MaxNameLength)
        {
            throw new RuleViolationException("name_too_long", $"Names are at most {Organization.MaxNameLength} characters.", "name");
        }

        if (trimmed.Any(char.IsControl))
        {
            throw new RuleViolationException("name_invalid", "Names cannot contain control characters.", "name");
        }

        return trimmed;
    }

    internal static async Task EnsureNameFreeAsync(PortalDbContext db, string? parentId, string name, string? exceptOrgId, CancellationToken ct)
    {
        var key = Organization.KeyOf(name);
        if (await db.Organizations.IgnoreQueryFilters()
                .AnyAsync(o => o.ParentId == parentId && o.NameKey == key && o.Id != exceptOrgId, ct))
        {
            throw new RuleViolationException("name_taken", $"Another org under the same parent is already called '{name}'.", "name");
        }
    }

    /// <summary>Copies the parent's ancestry and adds the org itself at distance 0.</summary>
    internal static async Task AddClosureRowsAsync(PortalDbContext db, Organization org, CancellationToken ct)
    {
        db.OrgAncestries.Add(new OrgAncestry { AncestorId = org.Id, DescendantId = org.Id, Distance = 0 });
        if (org.ParentId is null)
        {
            return;
        }

        var parentAncestors = await db.OrgAncestries.Where(a => a.DescendantId == org.ParentId).ToListAsync(ct);
        db.OrgAncestries.AddRange(parentAncestors.Select(a => new OrgAncestry
        {
            AncestorId = a.AncestorId,
            DescendantId = org.Id,
            Distance = a.Distance + 1,
        }));
    }

    private static IQueryable<OrgSummary> Summaries(PortalDbContext db, IQueryable<Organization> orgs) =>
        orgs.Select(o => new OrgSummary(
            o.Id,
            o.Name,
            o.ParentId,
            o.Depth,
            o.Status,
            o.BillingMode,
            o.CreatedAt,
            db.Organizations.Count(c => c.ParentId == o.Id),
            db.Memberships.Count(m => m.OrgId == o.Id)));
}
