using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Identity;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Identity;

public sealed class SessionRevalidationTests : IDisposable
{
    private readonly TestDatabase database = new();
    private readonly Tree tree;
    private readonly SessionCheck check;

    public SessionRevalidationTests()
    {
        tree = Tree.In(database).SuperOrg("acme").Child("beta", under: "acme")
            .Member("ann", "acme", BuiltInRoles.OwnerId)
            .Member("bob", "beta", BuiltInRoles.ViewerId);
        check = new SessionCheck(database);
    }

    public void Dispose() => database.Dispose();

    [Fact]
    public async Task A_member_stays_signed_in() =>
        Assert.True(await check.IsStillValidAsync(SignedIn(tree.UserId("bob")), CancellationToken.None));

    [Fact]
    public async Task A_user_removed_from_their_last_org_is_signed_out()
    {
        await RemoveMembershipsAsync(tree.UserId("bob"));

        Assert.False(await check.IsStillValidAsync(SignedIn(tree.UserId("bob")), CancellationToken.None));
    }

    [Fact]
    public async Task A_deleted_user_is_signed_out()
    {
        using (var db = database.CreateDbContext())
        {
            await db.Users.Where(u => u.Id == tree.UserId("bob")).ExecuteDeleteAsync();
        }

        Assert.False(await check.IsStillValidAsync(SignedIn(tree.UserId("bob")), CancellationToken.None));
    }

    [Fact]
    public async Task A_session_without_a_portal_user_id_is_not_valid()
    {
        var withoutId = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "x")], "test"));

        Assert.False(await check.IsStillValidAsync(withoutId, CancellationToken.None));
    }

    [Fact]
    public async Task A_live_circuit_loses_its_user_at_the_next_revalidation_after_removal()
    {
        var settings = Options.Create(new PortalAuthenticationOptions { RevalidationInterval = TimeSpan.FromMilliseconds(20) });
        using var provider = new MembershipRevalidatingAuthenticationStateProvider(NullLoggerFactory.Instance, check, settings);
        var signedOut = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async changed =>
        {
            var state = await changed;
            if (state.User.Identity?.IsAuthenticated != true)
            {
                signedOut.TrySetResult(state);
            }
        };

        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(SignedIn(tree.UserId("bob")))));
        await RemoveMembershipsAsync(tree.UserId("bob"));

        await signedOut.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False((await provider.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
    }

    [Fact]
    public void The_revalidation_interval_defaults_to_30_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(30), new PortalAuthenticationOptions().RevalidationInterval);

    private static ClaimsPrincipal SignedIn(Guid userId) =>
        new(new ClaimsIdentity([new Claim(PrincipalCallerResolver.UserIdClaim, userId.ToString())], "test"));

    private async Task RemoveMembershipsAsync(Guid userId)
    {
        using var db = database.CreateDbContext();
        await db.Memberships.Where(m => m.UserId == userId).ExecuteDeleteAsync();
    }
}
