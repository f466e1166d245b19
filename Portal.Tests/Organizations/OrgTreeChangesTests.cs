using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Organizations;

public sealed class OrgTreeChangesTests : IDisposable
{
    private readonly TestDatabase database = new();

    [Fact]
    public async Task Moving_an_org_under_its_own_descendant_is_refused_and_changes_nothing()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("beta-1", "beta").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database, maxDepth: 5).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        var before = await ClosureAsync();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => organizations.MoveAsync(tree.Id("beta"), tree.Id("beta-1"), CancellationToken.None));
        var self = await Assert.ThrowsAsync<RuleViolationException>(() => organizations.MoveAsync(tree.Id("beta"), tree.Id("beta"), CancellationToken.None));

        Assert.Equal("move_cycle", error.Code);
        Assert.Equal("move_cycle", self.Code);
        Assert.Equal(before, await ClosureAsync());
    }

    [Fact]
    public async Task Moving_never_leaves_the_callers_subtree()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Child("beta-1", "beta").SuperOrg("other")
            .Member("bob", "beta", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database, maxDepth: 5).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("bob"), tree.Id("beta"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.MoveAsync(tree.Id("beta-1"), tree.Id("gamma"), CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.MoveAsync(tree.Id("beta-1"), tree.Id("other"), CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.MoveAsync(tree.Id("gamma"), tree.Id("beta"), CancellationToken.None));
        // Its own home org has its parent outside the subtree.
        await Assert.ThrowsAsync<OrgNotFoundException>(() => organizations.MoveAsync(tree.Id("beta"), tree.Id("beta-1"), CancellationToken.None));
    }

    [Fact]
    public async Task Random_moves_keep_the_closure_table_equal_to_the_parent_links()
    {
        await Gen.Select(Gen.Int[2, 12], Gen.Int[0, 999].Array[12], Gen.Int[0, 999].Array[1, 12]).SampleAsync(async (count, parentPicks, moves) =>
        {
            using var db = new TestDatabase();
            var tree = Tree.In(db).SuperOrg("org0").Member("ada", "org0", BuiltInRoles.OwnerId);
            for (var i = 1; i < count; i++)
            {
                tree.Child($"org{i}", $"org{parentPicks[i] % i}");
            }

            await using var provider = new ServiceCollection().AddPortalForTests(db, maxDepth: 50).BuildServiceProvider();
            await using var scope = provider.As(tree.UserId("ada"), tree.Id("org0"));
            var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
            foreach (var move in moves)
            {
                var org = tree.Id($"org{1 + (move % (count - 1))}");
                var parent = tree.Id($"org{move / 7 % count}");
                try
                {
                    await organizations.MoveAsync(org, parent, CancellationToken.None);
                }
                catch (RuleViolationException e) when (e.Code == "move_cycle")
                {
                }
            }

            await using var check = db.CreateDbContext();
            var parents = await check.Organizations.ToDictionaryAsync(o => o.Id, o => (o.ParentId, o.Depth));
            var expected = new HashSet<(string, string, int)>();
            foreach (var (id, (_, depth)) in parents)
            {
                var distance = 0;
                for (var current = id; current is not null; current = parents[current].ParentId, distance++)
                {
                    expected.Add((current, id, distance));
                }

                Assert.Equal(distance - 1, depth);
            }

            var actual = (await check.OrgAncestries.ToListAsync()).Select(a => (a.AncestorId, a.DescendantId, a.Distance)).ToHashSet();
            Assert.Equal(expected, actual);
        }, iter: 25, threads: 1);
    }

    [Fact]
    public async Task Status_changes_are_made_from_above_and_audited()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme")
            .Member("ada", "acme", BuiltInRoles.OwnerId).Member("bob", "beta", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();

        await using (var childScope = provider.As(tree.UserId("bob"), tree.Id("beta")))
        {
            var own = childScope.ServiceProvider.GetRequiredService<OrganizationService>();
            await Assert.ThrowsAsync<OrgNotFoundException>(() => own.SuspendAsync(tree.Id("beta"), CancellationToken.None));
        }

        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        Assert.Equal(OrgStatus.Suspended, (await organizations.SuspendAsync(tree.Id("beta"), CancellationToken.None)).Status);
        var again = await Assert.ThrowsAsync<RuleViolationException>(() => organizations.SuspendAsync(tree.Id("beta"), CancellationToken.None));
        Assert.Equal("invalid_status_change", again.Code);
        Assert.Equal(OrgStatus.Active, (await organizations.ReactivateAsync(tree.Id("beta"), CancellationToken.None)).Status);
        Assert.Equal(OrgStatus.Closed, (await organizations.CloseAsync(tree.Id("beta"), CancellationToken.None)).Status);
        await Assert.ThrowsAsync<RuleViolationException>(() => organizations.ReactivateAsync(tree.Id("beta"), CancellationToken.None));
        await Assert.ThrowsAsync<RuleViolationException>(() => organizations.SuspendAsync(tree.Id("acme"), CancellationToken.None));

        await using var db = database.CreateDbContext();
        Assert.Equal(["org.suspended", "org.reactivated", "org.closed"],
            await db.AuditEntries.Where(a => a.TargetOrgId == tree.Id("beta")).OrderBy(a => a.Sequence).Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task Search_finds_by_name_or_id_inside_the_scope_only()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("Beacon Podcasts", "acme").Child("Cobalt", "acme").SuperOrg("Beacon Rival")
            .Member("ada", "acme", BuiltInRoles.ViewerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();

        var byName = await organizations.SearchAsync("beacon", 10, CancellationToken.None);
        var byId = await organizations.SearchAsync(tree.Id("Cobalt"), 10, CancellationToken.None);
        var foreign = await organizations.SearchAsync(tree.Id("Beacon Rival"), 10, CancellationToken.None);

        Assert.Equal(["Beacon Podcasts"], byName.Select(r => r.Name));
        Assert.Equal("acme", byName[0].Path);
        Assert.Equal(["Cobalt"], byId.Select(r => r.Name));
        Assert.Empty(foreign);
    }

    private async Task<List<(string, string, int)>> ClosureAsync()
    {
        await using var db = database.CreateDbContext();
        return (await db.OrgAncestries.ToListAsync()).Select(a => (a.AncestorId, a.DescendantId, a.Distance)).Order().ToList();
    }

    public void Dispose() => database.Dispose();
}
