using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Data;
using Portal.Identity;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Identity;

public sealed class SuperOrgBootstrapTests : IAsyncLifetime
{
    private readonly TestDatabase database = new();
    private ServiceProvider services = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        database.Dispose();
    }

    [Fact]
    public async Task Embedded_mode_creates_the_super_org_its_closure_row_and_an_owner_with_a_one_time_password()
    {
        Build(external: false);

        var result = await RunAsync("Nova Sound", "owner@nova.test", "Nora Owner");

        Assert.NotNull(result.OneTimePassword);
        Assert.False(result.OwnerInvited);
        using var db = database.CreateDbContext();
        var org = await db.Organizations.SingleAsync(o => o.Id == result.OrgId);
        Assert.Equal(("Nova Sound", null, 0), (org.Name, org.ParentId, org.Depth));
        Assert.True(await db.OrgAncestries.AnyAsync(a => a.AncestorId == org.Id && a.DescendantId == org.Id && a.Distance == 0));
        var user = await db.Users.SingleAsync(u => u.Email == "owner@nova.test");
        Assert.Equal(EmbeddedProvider.Issuer, user.Issuer);
        Assert.True(await db.Memberships.AnyAsync(m => m.UserId == user.Id && m.OrgId == org.Id && m.RoleId == BuiltInRoles.OwnerId));

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<LocalAccount>>();
        var account = await users.FindByIdAsync(user.Subject);
        Assert.NotNull(account);
        Assert.True(account.MustChangePassword);
        Assert.Equal("Nora Owner", account.DisplayName);
        Assert.True(await users.CheckPasswordAsync(account, result.OneTimePassword));
    }

    [Fact]
    public async Task External_mode_invites_the_owner_instead_of_creating_an_account()
    {
        Build(external: true);

        var result = await RunAsync("Nova Sound", "owner@nova.test", null);

        Assert.True(result.OwnerInvited);
        Assert.Null(result.OneTimePassword);
        using var db = database.CreateDbContext();
        var invitation = await db.Invitations.SingleAsync(i => i.OrgId == result.OrgId);
        Assert.Equal(("owner@nova.test", BuiltInRoles.OwnerId), (invitation.Email, invitation.RoleId));
        Assert.False(await db.Users.AnyAsync(u => u.Email == "owner@nova.test"));
    }

    [Fact]
    public async Task A_taken_name_or_a_bad_email_is_refused_and_nothing_is_stored()
    {
        Build(external: false);
        await RunAsync("Nova Sound", "owner@nova.test", null);

        var taken = await Assert.ThrowsAsync<RuleViolationException>(() => RunAsync("nova sound", "other@nova.test", null));
        var badEmail = await Assert.ThrowsAsync<RuleViolationException>(() => RunAsync("Other Org", "not an email", null));

        Assert.Equal(("name_taken", "email_invalid"), (taken.Code, badEmail.Code));
        using var db = database.CreateDbContext();
        Assert.Equal(1, await db.Organizations.CountAsync());
        Assert.Equal(1, await db.Set<LocalAccount>().CountAsync());
    }

    private async Task<BootstrapResult> RunAsync(string org, string email, string? name)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SuperOrgBootstrap>().RunAsync(org, email, name, CancellationToken.None);
    }

    private void Build(bool external)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IDbContextFactory<PortalDbContext>>(database);
        collection.AddScoped<PortalDbContext>(_ => database.CreateDbContext());
        collection.AddSingleton<TimeProvider>(new FixedClock(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero)));
        collection.Configure<PortalAuthenticationOptions>(o =>
        {
            o.Authority = external ? "https://idp.example/" : null;
            o.ClientId = external ? "portal" : null;
        });
        collection.AddAuthentication();
        collection.AddLocalAccounts();
        collection.AddScoped<SuperOrgBootstrap>();
        services = collection.BuildServiceProvider();
    }
}
