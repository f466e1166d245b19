using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Access;

/// <summary>
/// The one authorization point: "may this caller do P on org X?". Every service asks it before touching org data.
/// A caller who may not even view the org is told it does not exist.
/// </summary>
public sealed class AccessService(TenantContext tenant, IDbContextFactory<PortalDbContext> dbFactory)
{
    public TenantContext Tenant => tenant;

    /// <summary>Throws <see cref="OrgNotFoundException"/> or <see cref="AccessDeniedException"/> unless allowed.</summary>
    public async Task DemandAsync(string orgId, Permission permission, CancellationToken ct)
    {
        var granted = await GetPermissionsAsync(orgId, ct);
        if (!granted.Includes(Permission.ViewOrg))
        {
            throw new OrgNotFoundException(orgId);
        }

        if (!granted.Includes(permission))
        {
            throw new AccessDeniedException(orgId, permission);
        }
    }

    public async Task<bool> CanAsync(string orgId, Permission permission, CancellationToken ct) =>
        (await GetPermissionsAsync(orgId, ct)).Includes(permission);

    /// <summary>Everything the caller may do on the org; <see cref="Permission.None"/> for outsiders.</summary>
    public async Task<Permission> GetPermissionsAsync(string orgId, CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.ScopeOrgId is null || string.IsNullOrEmpty(orgId) || orgId.Length > 64)
        {
            return Permission.None;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var chain = await db.OrgAncestries
            .Where(a => a.DescendantId == orgId)
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => new ChainLink(o.Id, a.Distance, o.Status))
            .ToListAsync(ct);

        // Outside the scope (home org, or the org acted as) nothing is visible.
        if (!chain.Any(link => link.OrgId == tenant.ScopeOrgId))
        {
            return Permission.None;
        }

        var grants = await CallerGrantsAsync(db, chain.Select(c => c.OrgId).ToList(), ct);
        return AccessRules.Evaluate(chain, grants);
    }

    private async Task<List<Grant>> CallerGrantsAsync(PortalDbContext db, List<string> chainOrgIds, CancellationToken ct)
    {
        switch (tenant.Kind)
        {
            case CallerKind.User:
                var userId = tenant.UserId;
                return await db.Memberships
                    .Where(m => m.UserId == userId && chainOrgIds.Contains(m.OrgId))
                    .Join(db.Roles, m => m.RoleId, r => r.Id, (m, r) => new Grant(m.OrgId, r.Permissions))
                    .ToListAsync(ct);
            case CallerKind.ApiKey:
                // An API key acts with full rights over its own org's subtree; its scopes narrow that in the API layer.
                return [new Grant(tenant.HomeOrgId!, Permissions.All)];
            default:
                return [];
        }
    }
}

public readonly record struct ChainLink(string OrgId, int Distance, OrgStatus Status);

public readonly record struct Grant(string OrgId, Permission Permissions);

/// <summary>The rules, free of I/O, so they can be tested as a table and as properties.</summary>
public static class AccessRules
{
    /// <param name="chain">The target org and all its ancestors, with their distance from the target.</param>
    /// <param name="grants">The caller's role grants at orgs on that chain.</param>
    public static Permission Evaluate(IReadOnlyCollection<ChainLink> chain, IEnumerable<Grant> grants)
    {
        var granted = Permission.None;
        foreach (var grant in grants)
        {
            var grantLink = chain.FirstOrDefault(c => c.OrgId == grant.OrgId);
            if (grantLink.OrgId is null)
            {
                continue;
            }

            // The grant's own org and everything above it: is the member's org itself in good standing?
            var atOrAbove = chain.Where(c => c.Distance >= grantLink.Distance).ToList();
            // Between the grant's org (exclusive) and the target (inclusive).
            var below = chain.Where(c => c.Distance < grantLink.Distance).ToList();

            if (atOrAbove.Any(c => c.Status == OrgStatus.Closed))
            {
                continue;
            }

            var permissions = grant.Permissions;
            if (atOrAbove.Any(c => c.Status == OrgStatus.Suspended) || below.Any(c => c.Status == OrgStatus.Closed))
            {
                permissions &= Permissions.ReadOnly;
            }

            granted |= permissions;
        }

        return granted.Includes(Permission.ViewOrg) ? granted : Permission.None;
    }
}
