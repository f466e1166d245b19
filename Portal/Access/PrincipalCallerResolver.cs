using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Access;

/// <summary>Resolves a signed-in person from the authentication state (a circuit's or a request's).</summary>
public sealed class PrincipalCallerResolver(
    AuthenticationStateProvider authentication,
    IDbContextFactory<PortalDbContext> dbFactory) : ICallerResolver
{
    public const string UserIdClaim = "portal_user_id";

    public async Task ResolveAsync(TenantContext tenant, CancellationToken ct)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        if (!Guid.TryParse(state.User.FindFirstValue(UserIdClaim), out var userId))
        {
            tenant.SetAnonymous();
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            tenant.SetAnonymous();
            return;
        }

        tenant.SetUser(user.Id, user.DisplayName, await DefaultHomeOrgAsync(db, user.Id, ct));
        await ActAsService.RestoreAsync(tenant, db, ct);
    }

    /// <summary>The highest org the user belongs to that is not closed.</summary>
    public static Task<string?> DefaultHomeOrgAsync(PortalDbContext db, Guid userId, CancellationToken ct) =>
        db.Memberships
            .Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.OrgId, o => o.Id, (m, o) => o)
            .Where(o => o.Status != OrgStatus.Closed)
            .OrderBy(o => o.Depth).ThenBy(o => o.Name)
            .Select(o => o.Id)
            .FirstOrDefaultAsync(ct);
}
