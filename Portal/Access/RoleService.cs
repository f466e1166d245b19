using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;

namespace Portal.Access;

public sealed record RoleInfo(string Id, string Name, Permission Permissions, string? DefinedAtOrgId, string? DefinedAtOrgName, bool InUse)
{
    public bool IsBuiltIn => DefinedAtOrgId is null;
}

public sealed record RolePolicyView(string OrgId, IReadOnlyList<RoleInfo> Roles, IReadOnlySet<string> AllowedForChildren, bool Restricts);

/// <summary>Built-in and custom roles, and which roles an org lets its descendants assign.</summary>
public sealed class RoleService(AccessService access, TenantDb tenantDb, IDbContextFactory<PortalDbContext> dbFactory, AuditWriter audit)
{
    public const int MaxRoleNameLength = 64;

    /// <summary>Built-in roles and the custom roles defined at this org or above it.</summary>
    public async Task<IReadOnlyList<RoleInfo>> ListAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ancestors = db.OrgAncestries.Where(a => a.DescendantId == orgId).Select(a => a.AncestorId);
        return await db.Roles
            .Where(r => r.OrgId == null || ancestors.Contains(r.OrgId))
            .OrderBy(r => r.OrgId != null).ThenBy(r => r.Name)
            .Select(r => new RoleInfo(
                r.Id, r.Name, r.Permissions, r.OrgId,
                db.Organizations.Where(o => o.Id == r.OrgId).Select(o => o.Name).FirstOrDefault(),
                db.Memberships.Any(m => m.RoleId == r.Id)))
            .ToListAsync(ct);
    }

    /// <summary>
    /// The roles the caller may hand out on this org: allowed by every ancestor's policy, and never carrying a
    /// permission the caller does not hold there (no escalation through role assignment).
    /// </summary>
    public async Task<IReadOnlyList<RoleInfo>> AssignableAsync(string orgId, CancellationToken ct)
    {
        var callerPermissions = await access.GetPermissionsAsync(orgId, ct);
        var roles = await ListAsync(orgId, ct);
        var allowed = await AllowedByAncestorsAsync(orgId, ct);
        return roles.Where(r => callerPermissions.Includes(r.Permissions) && (allowed is null || allowed.Contains(r.Id))).ToList();
    }

    public async Task<Role> DemandAssignableAsync(string orgId, string roleId, CancellationToken ct)
    {
        var assignable = await AssignableAsync(orgId, ct);
        if (assignable.All(r => r.Id != roleId))
        {
            throw new RuleViolationException("role_not_assignable",
                "That role cannot be assigned here: the parent's policy does not allow it, or it carries permissions you do not hold.", "role");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Roles.AsNoTracking().SingleAsync(r => r.Id == roleId, ct);
    }

    public async Task<RoleInfo> CreateCustomAsync(string orgId, string name, Permission permissions, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        var trimmed = ValidateName(name);
        await DemandHoldsAsync(orgId, permissions, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        await EnsureNameFreeAsync(db, orgId, trimmed, null, ct);
        var role = new Role { Id = "custom-" + Guid.NewGuid().ToString("N")[..12], Name = trimmed, OrgId = orgId, Permissions = NormalizePermissions(permissions) };
        db.Roles.Add(role);
        audit.Record(db, "role.created", orgId, after: new { role.Name, Permissions = role.Permissions.ToString() });
        await db.SaveChangesAsync(ct);
        return new RoleInfo(role.Id, role.Name, role.Permissions, orgId, null, false);
    }

    public async Task UpdateCustomAsync(string orgId, string roleId, string name, Permission permissions, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        var trimmed = ValidateName(name);
        await DemandHoldsAsync(orgId, permissions, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var role = await db.Roles.SingleOrDefaultAsync(r => r.Id == roleId && r.OrgId == orgId, ct)
            ?? throw new RuleViolationException("role_not_found", "Only custom roles defined at this org can be changed here.", "role");
        await EnsureNameFreeAsync(db, orgId, trimmed, roleId, ct);
        var before = new { role.Name, Permissions = role.Permissions.ToString() };
        role.Name = trimmed;
        role.Permissions = NormalizePermissions(permissions);
        audit.Record(db, "role.updated", orgId, before, new { role.Name, Permissions = role.Permissions.ToString() });
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteCustomAsync(string orgId, string roleId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var role = await db.Roles.SingleOrDefaultAsync(r => r.Id == roleId && r.OrgId == orgId, ct)
            ?? throw new RuleViolationException("role_not_found", "Only custom roles defined at this org can be deleted here.", "role");
        if (await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.RoleId == roleId, ct))
        {
            throw new RuleViolationException("role_in_use", $"'{role.Name}' is still assigned to members; give them another role first.", "role");
        }

        db.Roles.Remove(role);
        audit.Record(db, "role.deleted", orgId, before: new { role.Name });
        await db.SaveChangesAsync(ct);
    }

    public async Task<RolePolicyView> GetChildPolicyAsync(string orgId, CancellationToken ct)
    {
        var roles = await ListAsync(orgId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var allowed = await db.Set<ChildRolePolicy>().Where(p => p.OrgId == orgId).Select(p => p.RoleId).ToListAsync(ct);
        return new RolePolicyView(orgId, roles, allowed.ToHashSet(), allowed.Count > 0);
    }

    /// <summary>Sets which roles the org's descendants may assign; an empty set lifts the restriction.</summary>
    public async Task SetChildPolicyAsync(string orgId, IReadOnlyCollection<string> allowedRoleIds, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageChildOrgs, ct);
        var known = (await ListAsync(orgId, ct)).Select(r => r.Id).ToHashSet();
        var unknown = allowedRoleIds.Where(id => !known.Contains(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new RuleViolationException("role_not_found", $"Unknown role(s): {string.Join(", ", unknown)}.", "roles");
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var current = await db.Set<ChildRolePolicy>().Where(p => p.OrgId == orgId).ToListAsync(ct);
        db.RemoveRange(current);
        db.AddRange(allowedRoleIds.Distinct().Select(id => new ChildRolePolicy { OrgId = orgId, RoleId = id }));
        audit.Record(db, "role_policy.changed", orgId,
            before: new { Allowed = current.Select(p => p.RoleId).Order() },
            after: new { Allowed = allowedRoleIds.Order() });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The intersection of the policies of the org's strict ancestors; null when none restricts.</summary>
    private async Task<HashSet<string>?> AllowedByAncestorsAsync(string orgId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var policies = await db.OrgAncestries
            .Where(a => a.DescendantId == orgId && a.Distance > 0)
            .Join(db.Set<ChildRolePolicy>(), a => a.AncestorId, p => p.OrgId, (a, p) => p)
            .ToListAsync(ct);
        HashSet<string>? allowed = null;
        foreach (var group in policies.GroupBy(p => p.OrgId))
        {
            var roles = group.Select(p => p.RoleId).ToHashSet();
            allowed = allowed is null ? roles : allowed.Intersect(roles).ToHashSet();
        }

        return allowed;
    }

    private async Task DemandHoldsAsync(string orgId, Permission permissions, CancellationToken ct)
    {
        var held = await access.GetPermissionsAsync(orgId, ct);
        if (!held.Includes(permissions))
        {
            throw new RuleViolationException("permission_not_held",
                $"A role cannot carry permissions you do not hold yourself: {string.Join(", ", (permissions & ~held).Each())}.", "permissions");
        }
    }

    private static Permission NormalizePermissions(Permission permissions) => (permissions & Permissions.All) | Permission.ViewOrg;

    private static string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0 || trimmed.Length > MaxRoleNameLength || trimmed.Any(char.IsControl))
        {
            throw new RuleViolationException("role_name_invalid", $"Give the role a name of 1 to {MaxRoleNameLength} characters.", "name");
        }

        return trimmed;
    }

    private static async Task EnsureNameFreeAsync(PortalDbContext db, string orgId, string name, string? exceptRoleId, CancellationToken ct)
    {
        var key = name.ToUpperInvariant();
        var ancestors = db.OrgAncestries.Where(a => a.DescendantId == orgId).Select(a => a.AncestorId);
        if (await db.Roles.AnyAsync(r => (r.OrgId == null || ancestors.Contains(r.OrgId)) && r.Name.ToUpper() == key && r.Id != exceptRoleId, ct))
        {
            throw new RuleViolationException("role_name_taken", $"A role called '{name}' already exists here.", "name");
        }
    }
}
