using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Data;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Organizations;

public sealed class OrganizationServiceTests : IDisposable
{
    private readonly TestDatabase database = new();

    [DataFact]
    public async Task Creating_a_child_stores_the_org_its_ancestry_and_an_audit_entry_together()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var created = await organizations.CreateChildAsync(tree.Id("acme"), "  Beacon Podcasts ", CancellationToken.None);

        Assert.Equal("Beacon Podcasts", created.Name);
        Assert.Equal(1, created.Depth);
        await using var db = database.CreateDbContext();
        Assert.Equal(
            [(tree.Id("acme"), 1), (created.Id, 0)],
            (await db.OrgAncestries.Where(a => a.DescendantId == created.Id).OrderBy(a => a.Distance).ToListAsync())
                .Select(a => (a.AncestorId, a.Distance)).OrderByDescending(x => x.Distance).ToList());
        var entry = await db.AuditEntries.SingleAsync(a => a.TargetOrgId == created.Id);
        Assert.Equal("org.created", entry.Action);
        Assert.Equal(tree.UserId("ada"), entry.ActorUserId);
    }

    [DataTheory]
    [InlineData("", "name_required")]
    [InlineData("   ", "name_required")]
    [InlineData("beta", "name_taken")]
    [InlineData(" BETA ", "name_taken")]
    [InlineData("tab\tname", "name_invalid")]
    public async Task Invalid_names_are_refused_and_nothing_is_stored(string name, string code)
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("Beta", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => organizations.CreateChildAsync(tree.Id("acme"), name, CancellationToken.None));

        Assert.Equal(code, error.Code);
        await using var db = database.CreateDbContext();
        Assert.Equal(2, await db.Organizations.CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [DataFact]
    public async Task A_name_longer_than_the_limit_is_refused()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            organizations.CreateChildAsync(tree.Id("acme"), new string('x', Organization.MaxNameLength + 1), CancellationToken.None));
        Assert.Equal("name_too_long", error.Code);
    }

    [DataFact]
    public async Task The_default_depth_policy_allows_a_super_org_and_its_children_only()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => organizations.CreateChildAsync(tree.Id("beta"), "grandchild", CancellationToken.None));
        Assert.Equal("depth_limit", error.Code);
    }

    [DataFact]
    public async Task A_deeper_policy_allows_resellers_of_resellers()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database, maxDepth: 4).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var grandchild = await organizations.CreateChildAsync(tree.Id("beta"), "grandchild", CancellationToken.None);
        var greatGrandchild = await organizations.CreateChildAsync(grandchild.Id, "great-grandchild", CancellationToken.None);

        Assert.Equal(3, greatGrandchild.Depth);
        await using var db = database.CreateDbContext();
        Assert.Equal(4, await db.OrgAncestries.CountAsync(a => a.DescendantId == greatGrandchild.Id));
    }

    [DataFact]
    public async Task A_child_admin_cannot_create_orgs_beside_itself_or_read_its_parent()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Member("bob", "beta", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database, maxDepth: 3).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("bob"), tree.Id("beta"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.CreateChildAsync(tree.Id("acme"), "sneaky", CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.GetAsync(tree.Id("acme"), CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.GetChildrenAsync(tree.Id("gamma"), CancellationToken.None));
        await using var db = database.CreateDbContext();
        Assert.Equal(3, await db.Organizations.CountAsync());
    }

    [DataFact]
    public async Task A_viewer_sees_the_org_but_cannot_create_children()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("eve", "acme", BuiltInRoles.ViewerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("eve"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        Assert.Equal("acme", (await organizations.GetAsync(tree.Id("acme"), CancellationToken.None)).Name);
        await Assert.ThrowsAsync<AccessDeniedException>(() => organizations.CreateChildAsync(tree.Id("acme"), "new", CancellationToken.None));
    }

    [DataFact]
    public async Task The_data_backstop_hides_rows_outside_the_callers_subtree_even_from_a_careless_query()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme")
            .Member("bob", "beta", BuiltInRoles.OwnerId).Member("gus", "gamma", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("bob"), tree.Id("beta"));
        var tenantDb = scope.ServiceProvider.GetRequiredService<TenantDb>();

        await using var db = await tenantDb.OpenAsync(CancellationToken.None);

        Assert.Equal(["beta"], await db.Organizations.Select(o => o.Name).ToListAsync());
        Assert.Equal([tree.UserId("bob")], await db.Memberships.Select(m => m.UserId).ToListAsync());
    }

    [DataFact]
    public async Task The_data_backstop_fails_closed_for_a_caller_without_an_org()
    {
        Tree.In(database).SuperOrg("acme");
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        await using var db = await scope.ServiceProvider.GetRequiredService<TenantDb>().OpenAsync(CancellationToken.None);

        Assert.Empty(await db.Organizations.ToListAsync());
    }

    [DataFact]
    public async Task The_demo_seed_is_deterministic_and_runs_once()
    {
        await using (var db = database.CreateDbContext())
        {
            await DemoSeed.SeedAsync(db, new FixedClock(DateTimeOffset.UtcNow), CancellationToken.None);
            await DemoSeed.SeedAsync(db, new FixedClock(DateTimeOffset.UtcNow), CancellationToken.None);
        }

        await using var check = database.CreateDbContext();
        var acme = await check.Organizations.SingleAsync(o => o.Name == DemoSeed.SuperOrgName);
        Assert.Equal(DemoSeed.OrgId(DemoSeed.SuperOrgName), acme.Id);
        Assert.True(await check.Organizations.CountAsync(o => o.ParentId == acme.Id) >= 5);
        Assert.Equal(DemoSeed.Users.Count, await check.Users.CountAsync());
        Assert.All(BuiltInRoles.All, role => Assert.Contains(DemoSeed.Users, u => u.OrgName == DemoSeed.SuperOrgName && u.RoleId == role.Id));
    }

    public void Dispose() => database.Dispose();
}
