using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Identity;
using Portal.Members;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Identity;

/// <summary>What happens at sign-in: the portal user keyed by (issuer, subject), and invitations turned into memberships.</summary>
public sealed class InvitationBindingTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly TestDatabase database = new();
    private readonly Tree tree;
    private readonly SignInRecorder recorder;

    public InvitationBindingTests()
    {
        tree = Tree.In(database).SuperOrg("acme").Child("beta", under: "acme").Child("gamma", under: "acme");
        recorder = new SignInRecorder(database, new FixedClock(Now));
    }

    public void Dispose() => database.Dispose();

    [Fact]
    public async Task A_first_sign_in_with_the_verified_invited_email_becomes_a_membership_with_the_invited_role()
    {
        var invitation = Invite("Zoe@Example.test", "beta", BuiltInRoles.DeveloperId);

        var userId = await recorder.RecordAsync(Identity("zoe@example.test", verified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        var membership = await db.Memberships.SingleAsync(m => m.UserId == userId);
        Assert.Equal(tree.Id("beta"), membership.OrgId);
        Assert.Equal(BuiltInRoles.DeveloperId, membership.RoleId);
        var accepted = await db.Invitations.SingleAsync(i => i.Id == invitation);
        Assert.Equal(Now.UtcDateTime, accepted.AcceptedAt);
        Assert.Equal(userId, accepted.AcceptedByUserId);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "member.joined" && a.TargetOrgId == tree.Id("beta") && a.ActorUserId == userId));
    }

    [Fact]
    public async Task An_unverified_email_binds_nothing()
    {
        var invitation = Invite("zoe@example.test", "beta", BuiltInRoles.AdminId);

        var userId = await recorder.RecordAsync(Identity("zoe@example.test", verified: false), CancellationToken.None);

        using var db = database.CreateDbContext();
        Assert.False(await db.Memberships.AnyAsync(m => m.UserId == userId));
        Assert.Null((await db.Invitations.SingleAsync(i => i.Id == invitation)).AcceptedAt);
    }

    [Fact]
    public async Task Expired_revoked_and_already_accepted_invitations_bind_nothing()
    {
        Invite("zoe@example.test", "beta", BuiltInRoles.AdminId, expiresAt: Now.UtcDateTime.AddMinutes(-1));
        Invite("zoe@example.test", "gamma", BuiltInRoles.AdminId, revokedAt: Now.UtcDateTime.AddDays(-1));
        Invite("zoe@example.test", "acme", BuiltInRoles.AdminId, acceptedAt: Now.UtcDateTime.AddDays(-1));

        var userId = await recorder.RecordAsync(Identity("zoe@example.test", verified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        Assert.False(await db.Memberships.AnyAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task Another_persons_invitation_is_not_bound()
    {
        Invite("someone.else@example.test", "beta", BuiltInRoles.AdminId);

        var userId = await recorder.RecordAsync(Identity("zoe@example.test", verified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        Assert.False(await db.Memberships.AnyAsync(m => m.UserId == userId));
    }

    [Fact]
    public async Task Invitations_to_several_orgs_all_bind_and_the_newest_decides_the_role_in_one_org()
    {
        Invite("zoe@example.test", "beta", BuiltInRoles.ViewerId, createdAt: Now.UtcDateTime.AddDays(-3));
        Invite("zoe@example.test", "beta", BuiltInRoles.AdminId, createdAt: Now.UtcDateTime.AddDays(-1));
        Invite("zoe@example.test", "gamma", BuiltInRoles.BillingId);

        var userId = await recorder.RecordAsync(Identity("zoe@example.test", verified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        var roles = await db.Memberships.Where(m => m.UserId == userId).ToDictionaryAsync(m => m.OrgId, m => m.RoleId);
        Assert.Equal(BuiltInRoles.AdminId, roles[tree.Id("beta")]);
        Assert.Equal(BuiltInRoles.BillingId, roles[tree.Id("gamma")]);
        Assert.Equal(2, roles.Count);
        Assert.All(await db.Invitations.ToListAsync(), i => Assert.NotNull(i.AcceptedAt));
    }

    [Fact]
    public async Task An_invitation_to_an_org_the_user_already_belongs_to_keeps_the_existing_role()
    {
        tree.Member("zoe", "beta", BuiltInRoles.OwnerId);
        Invite("zoe@example.test", "beta", BuiltInRoles.ViewerId);

        await recorder.RecordAsync(new ProviderIdentity("test", "zoe", "zoe@example.test", "Zoe", EmailVerified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        var membership = await db.Memberships.SingleAsync(m => m.UserId == tree.UserId("zoe"));
        Assert.Equal(BuiltInRoles.OwnerId, membership.RoleId);
    }

    [Fact]
    public async Task The_same_issuer_and_subject_is_the_same_user_with_name_and_email_refreshed_from_the_provider()
    {
        var first = await recorder.RecordAsync(Identity("zoe@example.test", verified: true, name: "Zoe"), CancellationToken.None);

        var second = await recorder.RecordAsync(Identity("zoe.new@example.test", verified: true, name: "Zoé Martin"), CancellationToken.None);

        Assert.Equal(first, second);
        using var db = database.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Id == first);
        Assert.Equal(("zoe.new@example.test", "Zoé Martin"), (user.Email, user.DisplayName));
        Assert.Equal(Now.UtcDateTime, user.LastSeenAt);
    }

    [Fact]
    public async Task The_same_subject_from_another_issuer_is_another_user()
    {
        var first = await recorder.RecordAsync(Identity("zoe@example.test", verified: true), CancellationToken.None);

        var second = await recorder.RecordAsync(Identity("zoe@example.test", verified: true) with { Issuer = "https://other.example/" }, CancellationToken.None);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Role_claims_from_the_provider_grant_nothing()
    {
        // ProviderIdentity carries no roles by design; a user without invitations has no membership at all.
        var userId = await recorder.RecordAsync(Identity("admin@example.test", verified: true), CancellationToken.None);

        using var db = database.CreateDbContext();
        Assert.False(await db.Memberships.AnyAsync(m => m.UserId == userId));
    }

    private static ProviderIdentity Identity(string email, bool verified, string name = "Zoe") =>
        new("https://idp.example/", "subject-zoe", email, name, verified);

    private Guid Invite(string email, string orgName, string roleId, DateTime? createdAt = null, DateTime? expiresAt = null,
        DateTime? revokedAt = null, DateTime? acceptedAt = null)
    {
        using var db = database.CreateDbContext();
        var invitation = new Invitation
        {
            OrgId = tree.Id(orgName),
            Email = email,
            RoleId = roleId,
            TokenHash = Guid.NewGuid().ToString("N"),
            CreatedAt = createdAt ?? Now.UtcDateTime.AddDays(-2),
            ExpiresAt = expiresAt ?? Now.UtcDateTime.AddDays(5),
            RevokedAt = revokedAt,
            AcceptedAt = acceptedAt,
        };
        db.Invitations.Add(invitation);
        db.SaveChanges();
        return invitation.Id;
    }
}
