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
    int MemberCount,
    bool RequireActAsReason = false);

/// <summary>A tree node: just what the tree shows, cheap enough to load thousands of siblings.</summary>
public sealed record OrgNode(string Id, string Name, OrgStatus Status, int ChildCount);

public sealed record OrgSearchResult(string Id, string Name, OrgStatus Status, string Path);

public sealed record ClosureImpact(int DescendantOrgs, int Members);

/// <summary>Told when an org's status or place in the tree changes (caches that depend on it listen).</summary>
public interface IOrgChangeListener
{
    void OrgStatusChanged(string orgId);
}

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
    IOptions<OrgHierarchyOptions> hierarchy,
    OrgChanges orgChanges)
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

    public async Task<OrgSummary> RenameAsync(string orgId, string newName, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageOrg, ct);
        var trimmed = ValidateName(newName);
        await using var db = await tenantDb.OpenAsync(ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.Name == trimmed)
        {
            return await GetAsync(orgId, ct);
        }

        await EnsureNameFreeAsync(db, org.ParentId, trimmed, exceptOrgId: org.Id, ct);
        var before = org.Name;
        org.Name = trimmed;
        org.Version = Guid.NewGuid();
        audit.Record(db, "org.renamed", org.Id, before: new { Name = before }, after: new { Name = trimmed });
        await db.SaveChangesAsync(ct);
        return await GetAsync(orgId, ct);
    }

    public Task<OrgSummary> SuspendAsync(string orgId, CancellationToken ct) =>
        ChangeStatusAsync(orgId, OrgStatus.Suspended, [OrgStatus.Active], "org.suspended", ct);

    public Task<OrgSummary> ReactivateAsync(string orgId, CancellationToken ct) =>
        ChangeStatusAsync(orgId, OrgStatus.Active, [OrgStatus.Suspended], "org.reactivated", ct);

    /// <summary>Closing is final: members lose access, keys stop working, the org stays visible read-only to its ancestors.</summary>
    public Task<OrgSummary> CloseAsync(string orgId, CancellationToken ct) =>
        ChangeStatusAsync(orgId, OrgStatus.Closed, [OrgStatus.Active, OrgStatus.Suspended], "org.closed", ct);

    /// <summary>What closing an org takes away, for the confirmation dialog.</summary>
    public async Task<ClosureImpact> GetClosureImpactAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var subtree = db.OrgAncestries.Where(a => a.AncestorId == orgId).Select(a => a.DescendantId);
        return new ClosureImpact(
            await subtree.CountAsync(ct) - 1,
            await db.Memberships.CountAsync(m => subtree.Contains(m.OrgId), ct));
    }

    private async Task<OrgSummary> ChangeStatusAsync(string orgId, OrgStatus target, OrgStatus[] allowedFrom, string action, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.ParentId is null)
        {
            throw new RuleViolationException("top_level_org", "A top-level org's status is managed by the platform operator.");
        }

        // Status is managed from above: a child's own admins cannot suspend or reopen their org.
        await access.DemandAsync(org.ParentId, Permission.ManageChildOrgs, ct);
        if (!allowedFrom.Contains(org.Status))
        {
            throw new RuleViolationException("invalid_status_change",
                $"'{org.Name}' is {org.Status.ToString().ToLowerInvariant()}; it cannot be {action[4..]} from there.");
        }

        var before = org.Status;
        org.Status = target;
        org.Version = Guid.NewGuid();
        audit.Record(db, action, org.Id, before: new { Status = before.ToString() }, after: new { Status = target.ToString() });
        await db.SaveChangesAsync(ct);
        orgChanges.Announce(org.Id);

        return await GetAsync(orgId, ct);
    }

    /// <summary>
    /// Moves an org (with its subtree) under another parent in the caller's subtree. Refuses cycles, moves out of
    /// the caller's reach, and moves that would break the depth policy.
    /// </summary>
    public async Task<OrgSummary> MoveAsync(string orgId, string newParentId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await access.DemandAsync(newParentId, Permission.ManageChildOrgs, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.ParentId is null)
        {
            throw new RuleViolationException("top_level_org", "A top-level org cannot be moved.");
        }

        await access.DemandAsync(org.ParentId, Permission.ManageChildOrgs, ct);
        if (org.ParentId == newParentId)
        {
            return await GetAsync(orgId, ct);
        }

        var subtree = await db.OrgAncestries.Where(a => a.AncestorId == orgId).ToListAsync(ct);
        if (subtree.Any(a => a.DescendantId == newParentId))
        {
            throw new RuleViolationException("move_cycle", "An org cannot be moved under itself or one of its own descendants.", "parent");
        }

        var newParent = await db.Organizations.SingleOrDefaultAsync(o => o.Id == newParentId, ct) ?? throw new OrgNotFoundException(newParentId);
        if (newParent.Status == OrgStatus.Closed)
        {
            throw new RuleViolationException("parent_not_active", $"'{newParent.Name}' is closed.", "parent");
        }

        var subtreeHeight = subtree.Max(a => a.Distance);
        var newDepth = newParent.Depth + 1;
        if (newDepth + subtreeHeight > hierarchy.Value.MaxDepth)
        {
            throw new RuleViolationException("depth_limit",
                $"Moving '{org.Name}' there would nest orgs deeper than {hierarchy.Value.MaxDepth} level(s).", "parent");
        }

        await EnsureNameFreeAsync(db, newParentId, org.Name, exceptOrgId: org.Id, ct);

        var subtreeIds = subtree.Select(a => a.DescendantId).ToList();
        var oldAncestors = await db.OrgAncestries
            .Where(a => subtreeIds.Contains(a.DescendantId) && !subtreeIds.Contains(a.AncestorId))
            .ToListAsync(ct);
        db.OrgAncestries.RemoveRange(oldAncestors);
        var newAncestors = await db.OrgAncestries.Where(a => a.DescendantId == newParentId).ToListAsync(ct);
        db.OrgAncestries.AddRange(
            from ancestor in newAncestors
            from below in subtree
            select new OrgAncestry { AncestorId = ancestor.AncestorId, DescendantId = below.DescendantId, Distance = ancestor.Distance + below.Distance + 1 });

        var depthShift = newDepth - org.Depth;
        var moved = await db.Organizations.Where(o => subtreeIds.Contains(o.Id)).ToListAsync(ct);
        foreach (var node in moved)
        {
            node.Depth += depthShift;
            node.Version = Guid.NewGuid();
        }

        var oldParentId = org.ParentId;
        org.ParentId = newParentId;
        audit.Record(db, "org.moved", org.Id, before: new { ParentId = oldParentId }, after: new { ParentId = newParentId });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        orgChanges.Announce(org.Id);

        return await GetAsync(orgId, ct);
    }

    /// <summary>One page of an org's children, for orgs with more children than a tree node shows.</summary>
    public async Task<(IReadOnlyList<OrgSummary> Items, int Total)> GetChildrenPageAsync(string orgId, string? filter, int skip, int take, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var children = db.Organizations.Where(o => o.ParentId == orgId);
        if (!string.IsNullOrWhiteSpace(filter))
        {
            var key = filter.Trim().ToUpperInvariant();
            children = children.Where(o => o.NameKey.Contains(key) || o.Id == filter.Trim());
        }

        var total = await children.CountAsync(ct);
        var items = await Summaries(db, children.OrderBy(o => o.Name).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200))).ToListAsync(ct);
        return (items, total);
    }

    public async Task SetActAsReasonPolicyAsync(string orgId, bool required, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, ct) ?? throw new OrgNotFoundException(orgId);
        if (org.RequireActAsReason == required)
        {
            return;
        }

        org.RequireActAsReason = required;
        audit.Record(db, "org.policy_changed", orgId, before: new { RequireActAsReason = !required }, after: new { RequireActAsReason = required });
        await db.SaveChangesAsync(ct);
    }

    public async Task<OrgNode> GetNodeAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await Nodes(db, db.Organizations.Where(o => o.Id == orgId)).SingleAsync(ct);
    }

    /// <summary>The children of a node, for the lazily loaded tree.</summary>
    public async Task<IReadOnlyList<OrgNode>> GetChildNodesAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await Nodes(db, db.Organizations.Where(o => o.ParentId == orgId).OrderBy(o => o.Name)).ToListAsync(ct);
    }

    private static IQueryable<OrgNode> Nodes(PortalDbContext db, IQueryable<Organization> orgs) =>
        orgs.Select(o => new OrgNode(o.Id, o.Name, o.Status, db.Organizations.Count(c => c.ParentId == o.Id)));

    /// <summary>Orgs in the caller's subtree whose name contains the text, or whose id is the text.</summary>
    public async Task<IReadOnlyList<OrgSearchResult>> SearchAsync(string? text, int limit, CancellationToken ct)
    {
        await access.Tenant.EnsureLoadedAsync(ct);
        var scope = access.Tenant.ScopeOrgId;
        var query = text?.Trim() ?? "";
        if (scope is null || query.Length == 0)
        {
            return [];
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var key = query.ToUpperInvariant();
        var matches = await db.OrgAncestries
            .Where(a => a.AncestorId == scope)
            .Join(db.Organizations, a => a.DescendantId, o => o.Id, (a, o) => o)
            .Where(o => o.Id == query || o.NameKey.Contains(key))
            .OrderBy(o => o.Depth).ThenBy(o => o.Name)
            .Take(Math.Clamp(limit, 1, 100))
            .Select(o => new { o.Id, o.Name, o.Status, o.Depth })
            .ToListAsync(ct);

        var ids = matches.Select(m => m.Id).ToList();
        var paths = await db.OrgAncestries
            .Where(a => ids.Contains(a.DescendantId) && a.Distance > 0)
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => new { a.DescendantId, a.Distance, o.Name })
            .ToListAsync(ct);
        return matches.Select(m => new OrgSearchResult(
                m.Id, m.Name, m.Status,
                string.Join(" / ", paths.Where(p => p.DescendantId == m.Id).OrderByDescending(p => p.Distance).Select(p => p.Name))))
            .ToList();
    }

    /// <summary>The ancestors of an org within the caller's scope, top first, for breadcrumbs.</summary>
    public async Task<IReadOnlyList<OrgSummary>> GetPathAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var ancestors = db.OrgAncestries.Where(a => a.DescendantId == orgId).Select(a => a.AncestorId);
        return await Summaries(db, db.Organizations.Where(o => ancestors.Contains(o.Id)).OrderBy(o => o.Depth)).ToListAsync(ct);
    }

    public static string ValidateName(string? name) =>
        DisplayNames.Validate(name, Organization.MaxNameLength, "Give the organization a name.", "Names");

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
            db.Memberships.Count(m => m.OrgId == o.Id),
            o.RequireActAsReason));
}
