using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Is this signed-in person still a portal user with at least one membership?</summary>
public sealed class SessionCheck(IDbContextFactory<PortalDbContext> dbFactory)
{
    public async Task<bool> IsStillValidAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(PrincipalCallerResolver.UserIdClaim), out var userId))
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AnyAsync(u => u.Id == userId, ct)
            && await db.Memberships.AnyAsync(m => m.UserId == userId, ct);
    }
}

/// <summary>
/// A Blazor circuit outlives the request that opened it: every <see cref="PortalAuthenticationOptions.RevalidationInterval"/>
/// the circuit re-checks its user, so a removed member loses access without reloading the page.
/// </summary>
public sealed class MembershipRevalidatingAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    SessionCheck check,
    IOptions<PortalAuthenticationOptions> settings) : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => settings.Value.RevalidationInterval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        check.IsStillValidAsync(authenticationState.User, cancellationToken);
}
