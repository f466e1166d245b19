using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Access;

public sealed class ActAsServiceTests : IDisposable
{
    private readonly TestDatabase database = new();

    [Fact]
    public async Task Candidates_are_descendants_only_and_never_closed_ones()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme", OrgStatus.Closed).Child("delta", "acme", OrgStatus.Suspended)
            .SuperOrg("other").Child("other-child", "other").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));

        var candidates = await scope.ServiceProvider.GetRequiredService<ActAsService>().FindCandidatesAsync("", 20, CancellationToken.None);

        Assert.Equal(["beta", "delta"], candidates.Select(c => c.Name));
    }

    [Fact]
    public async Task Roles_without_the_act_as_permission_cannot_act_and_outsiders_get_not_found()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").SuperOrg("other").Child("other-child", "other")
            .Member("eve", "acme", BuiltInRoles.ViewerId).Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using (var viewer = provider.As(tree.UserId("eve"), tree.Id("acme")))
        {
            var actAs = viewer.ServiceProvider.GetRequiredService<ActAsService>();
            Assert.Empty(await actAs.FindCandidatesAsync("", 20, CancellationToken.None));
            await Assert.ThrowsAsync<AccessDeniedException>(() => actAs.StartAsync(tree.Id("beta"), null, CancellationToken.None));
        }

        await using var owner = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var ownerActAs = owner.ServiceProvider.GetRequiredService<ActAsService>();
        await Assert.ThrowsAsync<OrgNotFoundException>(() => ownerActAs.StartAsync(tree.Id("other-child"), null, CancellationToken.None));
        // Acting as one's own home org makes no sense: refused, though the org is visible.
        await Assert.ThrowsAsync<AccessDeniedException>(() => ownerActAs.StartAsync(tree.Id("acme"), null, CancellationToken.None));
    }

    [Fact]
    public async Task Acting_scopes_everything_to_the_child_survives_a_new_circuit_and_is_audited_at_start_and_stop()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            var state = await scope.ServiceProvider.GetRequiredService<ActAsService>().StartAsync(tree.Id("beta"), "ticket 42", CancellationToken.None);
            Assert.Equal("beta", state.OrgName);
            var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
            await organizations.RenameAsync(tree.Id("beta"), "Beta Renamed", CancellationToken.None);
            await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.GetAsync(tree.Id("gamma"), CancellationToken.None));
        }

        // A new circuit of the same user picks the stored session up.
        await using (var next = provider.CreateAsyncScope())
        {
            var tenant = next.ServiceProvider.GetRequiredService<TenantContext>();
            tenant.SetUser(tree.UserId("ada"), "ada", tree.Id("acme"));
            await using (var db = database.CreateDbContext())
            {
                await ActAsService.RestoreAsync(tenant, db, CancellationToken.None);
            }

            Assert.Equal(tree.Id("beta"), tenant.ActingOrgId);
            await next.ServiceProvider.GetRequiredService<ActAsService>().StopAsync(CancellationToken.None);
            Assert.Null(tenant.ActingOrgId);
        }

        await using var check = database.CreateDbContext();
        var entries = await check.AuditEntries.OrderBy(a => a.Sequence).ToListAsync();
        Assert.Equal(["actas.started", "org.renamed", "actas.stopped"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(tree.Id("beta"), e.ActingOrgId));
        Assert.All(entries, e => Assert.Equal(tree.UserId("ada"), e.ActorUserId));
        Assert.Contains("ticket 42", entries[0].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_can_require_a_reason()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using (var db = database.CreateDbContext())
        {
            (await db.Organizations.SingleAsync(o => o.Id == tree.Id("acme"))).RequireActAsReason = true;
            await db.SaveChangesAsync();
        }

        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var actAs = scope.ServiceProvider.GetRequiredService<ActAsService>();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => actAs.StartAsync(tree.Id("beta"), "  ", CancellationToken.None));
        Assert.Equal("reason_required", error.Code);
        Assert.Null(scope.ServiceProvider.GetRequiredService<TenantContext>().ActingOrgId);
        await actAs.StartAsync(tree.Id("beta"), "support ticket", CancellationToken.None);
    }

    public void Dispose() => database.Dispose();
}
