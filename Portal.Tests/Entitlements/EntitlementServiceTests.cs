using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Entitlements;
using Portal.Organizations;
using Portal.Tests.TestSupport;
using static Portal.Tests.Entitlements.Catalogs;

namespace Portal.Tests.Entitlements;

public sealed class EntitlementServiceTests : IDisposable
{
    private readonly TestDatabase database = new();
    private ServiceProvider? provider;

    /// <summary>acme (super org, owner ada) > beta (admin bob) > beta-team; acme > gamma. Acme holds the small catalog.</summary>
    private async Task<Tree> TreeAsync()
    {
        var tree = Tree.In(database)
            .SuperOrg("acme").Child("beta", "acme").Child("beta-team", "beta").Child("gamma", "acme")
            .Member("ada", "acme", BuiltInRoles.OwnerId)
            .Member("bob", "beta", BuiltInRoles.AdminId)
            .Member("vic", "acme", BuiltInRoles.ViewerId);
        await SyncAsync(database);
        return tree;
    }

    private EntitlementService ServiceFor(Tree tree, string user, string homeOrg)
    {
        provider ??= new ServiceCollection().AddPortalForTests(database, maxDepth: 2).BuildServiceProvider();
        return provider.As(tree.UserId(user), tree.Id(homeOrg)).ServiceProvider.GetRequiredService<EntitlementService>();
    }

    private static async Task<FeatureState> StateAsync(EntitlementService service, string orgId, string key) =>
        (await service.GetFeaturesAsync(orgId, CancellationToken.None)).Items.Single(i => i.Item.Key == key);

    [DataFact]
    public async Task Effective_is_the_own_allocation_and_the_parents_effective_state()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria, Aurora);
        Allocate(database, tree.Id("beta-team"), true, Aria, Aurora, VoiceIntelligence);
        Allocate(database, tree.Id("acme"), false, Aurora);
        var service = ServiceFor(tree, "ada", "acme");

        var team = await service.GetFeaturesAsync(tree.Id("beta-team"), CancellationToken.None);

        Assert.True(team.Items.Single(i => i.Item.Key == Aria).Effective);
        var aurora = team.Items.Single(i => i.Item.Key == Aurora);
        Assert.False(aurora.Effective);
        Assert.Equal("acme", aurora.UnavailableAt!.Name);
        Assert.Equal("Not available: off at acme", aurora.Reason);
        var intelligence = team.Items.Single(i => i.Item.Key == VoiceIntelligence);
        Assert.Equal("beta", intelligence.UnavailableAt!.Name);
        var speech = team.Items.Single(i => i.Item.Key == Activities.Speech);
        Assert.Equal("Not available: off at beta", speech.Reason);
        Assert.Equal("Off here", (await StateAsync(service, tree.Id("gamma"), Aria)).Reason);
    }

    [DataFact]
    public async Task Switching_off_at_a_parent_takes_the_item_from_the_subtree_and_switching_on_restores_it_without_rewriting_children()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        Allocate(database, tree.Id("beta-team"), true, Aria);
        var service = ServiceFor(tree, "ada", "acme");
        var rowsBefore = (await RowsAsync(database)).Where(r => r.OrgId != tree.Id("acme")).ToList();

        await service.SetEnabledAsync(tree.Id("acme"), Aria, false, CancellationToken.None);

        Assert.False((await StateAsync(service, tree.Id("beta"), Aria)).Effective);
        Assert.False((await StateAsync(service, tree.Id("beta-team"), Aria)).Effective);
        Assert.Equal(rowsBefore, (await RowsAsync(database)).Where(r => r.OrgId != tree.Id("acme")).ToList());

        await service.SetEnabledAsync(tree.Id("acme"), Aria, true, CancellationToken.None);

        Assert.True((await StateAsync(service, tree.Id("beta"), Aria)).Effective);
        Assert.True((await StateAsync(service, tree.Id("beta-team"), Aria)).Effective);
    }

    [DataFact]
    public async Task A_child_org_admin_cannot_enable_an_item_their_org_lacks_for_its_child()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var rowsBefore = await RowsAsync(database);
        var service = ServiceFor(tree, "bob", "beta");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.SetEnabledAsync(tree.Id("beta-team"), Aurora, true, CancellationToken.None));

        Assert.Equal("feature_unavailable", error.Code);
        Assert.Equal("Aurora Studio is not available to beta-team: it is off at beta. Switch it on there first.", error.Message);
        Assert.Equal(rowsBefore, await RowsAsync(database));
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [DataFact]
    public async Task A_child_org_admin_can_allocate_to_their_child_what_their_org_has()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var service = ServiceFor(tree, "bob", "beta");

        await service.SetEnabledAsync(tree.Id("beta-team"), Aria, true, CancellationToken.None);

        Assert.True((await StateAsync(service, tree.Id("beta-team"), Aria)).Effective);
    }

    [DataFact]
    public async Task Nobody_can_enable_for_a_child_what_its_parent_lacks_not_even_the_super_org_owner()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("acme"), false, Aurora);
        var service = ServiceFor(tree, "ada", "acme");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => service.SetEnabledAsync(tree.Id("beta"), Aurora, true, CancellationToken.None));

        Assert.Equal("feature_unavailable", error.Code);
        Assert.DoesNotContain(await RowsAsync(database), r => r.OrgId == tree.Id("beta"));
    }

    [DataFact]
    public async Task A_child_org_admin_cannot_change_what_their_own_org_is_allocated()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var service = ServiceFor(tree, "bob", "beta");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => service.SetEnabledAsync(tree.Id("beta"), Aurora, true, CancellationToken.None));
        await Assert.ThrowsAsync<RuleViolationException>(() => service.SetMonthlyLimitAsync(tree.Id("beta"), Aria, 10, CancellationToken.None));

        Assert.Equal("allocated_by_parent", error.Code);
        Assert.Contains("allocated by acme", error.Message, StringComparison.Ordinal);
        var view = await service.GetFeaturesAsync(tree.Id("beta"), CancellationToken.None);
        Assert.False(view.CanAllocate);
        Assert.True(view.CanEditChildDefaults);
    }

    [DataFact]
    public async Task Viewers_cannot_change_allocations_and_outsiders_do_not_see_the_org()
    {
        var tree = await TreeAsync();
        var viewer = ServiceFor(tree, "vic", "acme");

        await Assert.ThrowsAsync<AccessDeniedException>(() => viewer.SetEnabledAsync(tree.Id("beta"), Aria, true, CancellationToken.None));
        Assert.False((await viewer.GetFeaturesAsync(tree.Id("beta"), CancellationToken.None)).CanAllocate);

        var outsiderTree = Tree.In(database).SuperOrg("other").Member("olga", "other", BuiltInRoles.OwnerId);
        var outsider = ServiceFor(outsiderTree, "olga", "other");
        await Assert.ThrowsAsync<OrgNotFoundException>(() => outsider.GetFeaturesAsync(tree.Id("beta"), CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() => outsider.SetEnabledAsync(tree.Id("beta"), Aria, false, CancellationToken.None));
    }

    [DataFact]
    public async Task Every_change_is_audited_with_before_and_after()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var service = ServiceFor(tree, "ada", "acme");

        await service.SetEnabledAsync(tree.Id("gamma"), Aria, true, CancellationToken.None);
        await service.SetMonthlyLimitAsync(tree.Id("gamma"), Aria, 5_000, CancellationToken.None);
        await service.SetIncludedForNewChildrenAsync(tree.Id("acme"), Aurora, true, CancellationToken.None);
        await service.SetEnabledForChildrenAsync(tree.Id("acme"), Activities.Speech, [tree.Id("beta"), tree.Id("gamma")], true, CancellationToken.None);
        await service.ApplyTemplateAsync(tree.Id("gamma"), [tree.Id("beta")], CancellationToken.None);

        await using var db = database.CreateDbContext();
        var entries = await db.AuditEntries.OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(
            [
                ("feature.allocation_changed", tree.Id("gamma")),
                ("feature.limit_changed", tree.Id("gamma")),
                ("feature.child_default_changed", tree.Id("acme")),
                ("feature.allocation_changed", tree.Id("beta")),
                ("feature.allocation_changed", tree.Id("gamma")),
                ("feature.template_applied", tree.Id("beta")),
            ],
            entries.Select(e => (e.Action, e.TargetOrgId)).ToList());
        Assert.All(entries, e => Assert.Equal(tree.UserId("ada"), e.ActorUserId));
        Assert.All(entries, e => Assert.NotNull(e.Before));
        Assert.All(entries, e => Assert.NotNull(e.After));
        Assert.Contains("\"enabled\":false", entries[0].Before, StringComparison.Ordinal);
        Assert.Contains("\"enabled\":true", entries[0].After, StringComparison.Ordinal);
        Assert.Contains("\"monthlyCreditLimit\":null", entries[1].Before, StringComparison.Ordinal);
        Assert.Contains("\"monthlyCreditLimit\":5000", entries[1].After, StringComparison.Ordinal);
        Assert.Contains(tree.Id("gamma"), entries[5].After, StringComparison.Ordinal);
    }

    [DataFact]
    public async Task A_change_that_changes_nothing_stores_and_audits_nothing()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var service = ServiceFor(tree, "ada", "acme");

        var result = await service.SetEnabledAsync(tree.Id("beta"), Aria, true, CancellationToken.None);

        Assert.False(result.Changed);
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [DataTheory]
    [InlineData(0L, "limit_out_of_range")]
    [InlineData(-5L, "limit_out_of_range")]
    [InlineData(1_000_001L, "limit_above_parent")]
    public async Task Monthly_limits_must_be_positive_and_not_above_a_limit_set_higher_up(long limit, string code)
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        var service = ServiceFor(tree, "ada", "acme");
        await service.SetMonthlyLimitAsync(tree.Id("acme"), Aria, 1_000_000, CancellationToken.None);
        var rowsBefore = await RowsAsync(database);

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => service.SetMonthlyLimitAsync(tree.Id("beta"), Aria, limit, CancellationToken.None));

        Assert.Equal(code, error.Code);
        Assert.Equal(rowsBefore, await RowsAsync(database));
    }

    [DataFact]
    public async Task One_item_can_be_switched_for_many_child_orgs_at_once()
    {
        var tree = await TreeAsync();
        var service = ServiceFor(tree, "ada", "acme");

        var result = await service.SetEnabledForChildrenAsync(tree.Id("acme"), Aurora, [tree.Id("beta"), tree.Id("gamma")], true, CancellationToken.None);

        Assert.Equal(2, result.OrgsChanged);
        var across = await service.GetItemAcrossChildrenAsync(tree.Id("acme"), Aurora, CancellationToken.None);
        Assert.Equal([("beta", true), ("gamma", true)], across.Children.Select(c => (c.Org.Name, c.Effective)).ToList());
    }

    [DataFact]
    public async Task Switching_many_child_orgs_on_is_refused_when_their_parent_lacks_the_item()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("acme"), false, Aurora);
        var service = ServiceFor(tree, "ada", "acme");
        var rowsBefore = await RowsAsync(database);

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.SetEnabledForChildrenAsync(tree.Id("acme"), Aurora, [tree.Id("beta"), tree.Id("gamma")], true, CancellationToken.None));

        Assert.Equal("feature_unavailable", error.Code);
        Assert.Equal(rowsBefore, await RowsAsync(database));
    }

    [DataFact]
    public async Task A_template_gives_its_targets_what_the_template_org_really_has()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria, Aurora, Activities.Speech);
        Allocate(database, tree.Id("gamma"), true, VoiceIntelligence);
        Allocate(database, tree.Id("acme"), false, Aurora);
        var service = ServiceFor(tree, "ada", "acme");
        await service.SetMonthlyLimitAsync(tree.Id("beta"), Activities.Speech, 700, CancellationToken.None);

        await service.ApplyTemplateAsync(tree.Id("beta"), [tree.Id("gamma")], CancellationToken.None);

        var gamma = await service.GetFeaturesAsync(tree.Id("gamma"), CancellationToken.None);
        Assert.Equal([Activities.Speech, Aria], gamma.Items.Where(i => i.Enabled).Select(i => i.Item.Key).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(700, gamma.Items.Single(i => i.Item.Key == Activities.Speech).MonthlyCreditLimit);
    }

    [DataFact]
    public async Task A_template_is_refused_as_a_whole_when_one_target_cannot_take_it()
    {
        var tree = await TreeAsync();
        Allocate(database, tree.Id("beta"), true, Aria);
        Allocate(database, tree.Id("gamma"), true, Aria, Aurora);
        var service = ServiceFor(tree, "ada", "acme");
        var rowsBefore = await RowsAsync(database);

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.ApplyTemplateAsync(tree.Id("gamma"), [tree.Id("beta"), tree.Id("beta-team")], CancellationToken.None));

        Assert.Equal("feature_unavailable", error.Code);
        Assert.Equal(rowsBefore, await RowsAsync(database));
    }

    [DataFact]
    public async Task New_child_orgs_start_from_their_parents_defaults_for_new_children()
    {
        var tree = await TreeAsync();
        var service = ServiceFor(tree, "ada", "acme");
        await service.SetIncludedForNewChildrenAsync(tree.Id("acme"), Aurora, true, CancellationToken.None);
        await service.SetIncludedForNewChildrenAsync(tree.Id("acme"), Activities.File, false, CancellationToken.None);
        var organizations = provider!.As(tree.UserId("ada"), tree.Id("acme")).ServiceProvider.GetRequiredService<OrganizationService>();

        var created = await organizations.CreateChildAsync(tree.Id("acme"), "delta", CancellationToken.None);

        var delta = await service.GetFeaturesAsync(created.Id, CancellationToken.None);
        var expected = Small.Where(i => !i.Premium && i.Key != Activities.File).Select(i => i.Key).Append(Aurora).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, delta.Items.Where(i => i.Effective).Select(i => i.Item.Key).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(expected, delta.Items.Where(i => i.IncludedForNewChildren).Select(i => i.Item.Key).Order(StringComparer.Ordinal).ToList());
    }

    [DataFact]
    public async Task A_new_child_does_not_start_with_a_default_its_parent_no_longer_has()
    {
        var tree = await TreeAsync();
        var service = ServiceFor(tree, "ada", "acme");
        await service.SetEnabledAsync(tree.Id("acme"), Aria, false, CancellationToken.None);
        var organizations = provider!.As(tree.UserId("ada"), tree.Id("acme")).ServiceProvider.GetRequiredService<OrganizationService>();

        var created = await organizations.CreateChildAsync(tree.Id("acme"), "delta", CancellationToken.None);

        Assert.DoesNotContain(await RowsAsync(database), r => r.OrgId == created.Id && r.ItemKey == Aria);
    }

    [DataFact]
    public async Task Defaults_for_new_children_cannot_include_what_the_org_lacks()
    {
        var tree = await TreeAsync();
        var service = ServiceFor(tree, "bob", "beta");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.SetIncludedForNewChildrenAsync(tree.Id("beta"), Aurora, true, CancellationToken.None));

        Assert.Equal("feature_unavailable", error.Code);
    }

    [DataFact]
    public async Task Unknown_and_retired_items_are_refused()
    {
        var tree = await TreeAsync();
        await SyncAsync(database, Small.Where(i => i.Key != Aria).ToList());
        var service = ServiceFor(tree, "ada", "acme");

        Assert.Equal("unknown_item", (await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.SetEnabledAsync(tree.Id("beta"), "voice:nobody", true, CancellationToken.None))).Code);
        Assert.Equal("unknown_item", (await Assert.ThrowsAsync<RuleViolationException>(() =>
            service.SetEnabledAsync(tree.Id("beta"), Aria, true, CancellationToken.None))).Code);
        Assert.DoesNotContain((await service.GetFeaturesAsync(tree.Id("acme"), CancellationToken.None)).Items, i => i.Item.Key == Aria);
    }

    public void Dispose()
    {
        provider?.Dispose();
        database.Dispose();
    }
}
