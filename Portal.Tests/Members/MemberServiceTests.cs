using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Members;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Members;

public sealed class MemberServiceTests : IDisposable
{
    private readonly TestDatabase database = new();

    [Fact]
    public async Task The_last_owner_can_be_neither_removed_nor_demoted()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId).Member("ben", "acme", BuiltInRoles.AdminId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();
        var ada = (await members.ListAsync(tree.Id("acme"), CancellationToken.None)).Single(m => m.DisplayName == "ada");

        var remove = await Assert.ThrowsAsync<RuleViolationException>(() => members.RemoveAsync(tree.Id("acme"), ada.MembershipId, CancellationToken.None));
        var demote = await Assert.ThrowsAsync<RuleViolationException>(() => members.ChangeRoleAsync(tree.Id("acme"), ada.MembershipId, BuiltInRoles.AdminId, CancellationToken.None));

        Assert.Equal("last_owner", remove.Code);
        Assert.Equal("last_owner", demote.Code);
        Assert.Equal(2, (await members.ListAsync(tree.Id("acme"), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task An_owner_can_step_down_once_there_is_another_owner()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId).Member("ben", "acme", BuiltInRoles.AdminId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();
        var list = await members.ListAsync(tree.Id("acme"), CancellationToken.None);

        await members.ChangeRoleAsync(tree.Id("acme"), list.Single(m => m.DisplayName == "ben").MembershipId, BuiltInRoles.OwnerId, CancellationToken.None);
        await members.RemoveAsync(tree.Id("acme"), list.Single(m => m.DisplayName == "ada").MembershipId, CancellationToken.None);

        await using var db = database.CreateDbContext();
        Assert.Equal([(tree.UserId("ben"), BuiltInRoles.OwnerId)], await db.Memberships.Select(m => new ValueTuple<Guid, string>(m.UserId, m.RoleId)).ToListAsync());
        // Having left, ada no longer sees the org at all.
        await Assert.ThrowsAsync<OrgNotFoundException>(() => members.ListAsync(tree.Id("acme"), CancellationToken.None));
    }

    [Fact]
    public async Task An_admin_cannot_hand_out_a_role_with_more_power_than_their_own()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ben", "acme", BuiltInRoles.AdminId).Member("eve", "acme", BuiltInRoles.ViewerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ben"), tree.Id("acme"));
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();
        var eve = (await members.ListAsync(tree.Id("acme"), CancellationToken.None)).Single(m => m.DisplayName == "eve");

        var promote = await Assert.ThrowsAsync<RuleViolationException>(() => members.ChangeRoleAsync(tree.Id("acme"), eve.MembershipId, BuiltInRoles.OwnerId, CancellationToken.None));
        var invite = await Assert.ThrowsAsync<RuleViolationException>(() => members.InviteAsync(tree.Id("acme"), "x@example.com", BuiltInRoles.OwnerId, "http://portal", CancellationToken.None));

        Assert.Equal("role_not_assignable", promote.Code);
        Assert.Equal("role_not_assignable", invite.Code);
    }

    [Fact]
    public async Task A_parents_role_policy_limits_the_roles_its_children_can_assign()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var roles = scope.ServiceProvider.GetRequiredService<RoleService>();
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();

        await roles.SetChildPolicyAsync(tree.Id("acme"), [BuiltInRoles.OwnerId, BuiltInRoles.ViewerId], CancellationToken.None);

        Assert.Equal([BuiltInRoles.OwnerId, BuiltInRoles.ViewerId], (await roles.AssignableAsync(tree.Id("beta"), CancellationToken.None)).Select(r => r.Id).Order());
        var error = await Assert.ThrowsAsync<RuleViolationException>(() => members.InviteAsync(tree.Id("beta"), "dev@example.com", BuiltInRoles.DeveloperId, "http://portal", CancellationToken.None));
        Assert.Equal("role_not_assignable", error.Code);
        // The policy binds descendants, not the org that sets it.
        Assert.Equal(5, (await roles.AssignableAsync(tree.Id("acme"), CancellationToken.None)).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("Ann <ann@example.com>")]
    public async Task Invalid_emails_are_refused_and_nothing_is_stored(string email)
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            scope.ServiceProvider.GetRequiredService<MemberService>().InviteAsync(tree.Id("acme"), email, BuiltInRoles.ViewerId, "http://portal", CancellationToken.None));

        Assert.Equal("email_invalid", error.Code);
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.Invitations.CountAsync());
    }

    [Fact]
    public async Task An_invitation_link_is_accepted_only_by_the_invited_email_and_only_once()
    {
        var tree = Tree.In(database).SuperOrg("acme").SuperOrg("other")
            .Member("ada", "acme", BuiltInRoles.OwnerId).Member("ann", "other", BuiltInRoles.OwnerId).Member("mallory", "other", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        InvitationCreated invitation;
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            invitation = await scope.ServiceProvider.GetRequiredService<MemberService>()
                .InviteAsync(tree.Id("acme"), "ANN@example.test", BuiltInRoles.DeveloperId, "http://portal/", CancellationToken.None);
        }

        var token = invitation.Link[(invitation.Link.LastIndexOf('/') + 1)..];
        Assert.StartsWith("http://portal/invitations/", invitation.Link, StringComparison.Ordinal);
        await using (var scope = provider.As(tree.UserId("mallory"), tree.Id("other")))
        {
            var error = await Assert.ThrowsAsync<RuleViolationException>(() => scope.ServiceProvider.GetRequiredService<MemberService>().AcceptInvitationAsync(token, CancellationToken.None));
            Assert.Equal("invitation_other_email", error.Code);
        }

        await using (var scope = provider.As(tree.UserId("ann"), tree.Id("other")))
        {
            var members = scope.ServiceProvider.GetRequiredService<MemberService>();
            Assert.Equal(tree.Id("acme"), await members.AcceptInvitationAsync(token, CancellationToken.None));
            var again = await Assert.ThrowsAsync<RuleViolationException>(() => members.AcceptInvitationAsync(token, CancellationToken.None));
            Assert.Equal("invitation_not_pending", again.Code);
        }

        await using var db = database.CreateDbContext();
        Assert.True(await db.Memberships.AnyAsync(m => m.UserId == tree.UserId("ann") && m.OrgId == tree.Id("acme") && m.RoleId == BuiltInRoles.DeveloperId));
        Assert.False(await db.Invitations.AnyAsync(i => i.TokenHash == token), "the token itself is never stored");
    }

    public void Dispose() => database.Dispose();
}
