using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Entitlements;
using Portal.Organizations;
using Portal.Tests.TestSupport;
using static Portal.Tests.Entitlements.Catalogs;

namespace Portal.Tests.Entitlements;

public sealed class EntitlementDecisionServiceTests : IDisposable
{
    private readonly TestDatabase database = new();
    private readonly ServiceProvider provider;
    private readonly Tree tree;
    private readonly SettableUsage usage = new();

    public EntitlementDecisionServiceTests()
    {
        tree = Tree.In(database)
            .SuperOrg("acme").Child("beta", "acme").Child("beta-team", "beta").Child("gamma", "acme")
            .Member("ada", "acme", BuiltInRoles.OwnerId);
        SyncAsync(database).GetAwaiter().GetResult();
        Allocate(database, tree.Id("beta"), true, Aria, Activities.Speech);
        Allocate(database, tree.Id("beta-team"), true, Aria, Activities.Speech);
        provider = new ServiceCollection()
            .AddPortalForTests(database, maxDepth: 2)
            .AddSingleton<IMonthlyUsageReader>(usage)
            .BuildServiceProvider();
    }

    private EntitlementDecisionService Decisions => provider.GetRequiredService<EntitlementDecisionService>();

    private EntitlementService ServiceAsAda() =>
        provider.As(tree.UserId("ada"), tree.Id("acme")).ServiceProvider.GetRequiredService<EntitlementService>();

    private Task<EntitlementDecision> DecideAsync(string orgName, string itemKey) =>
        Decisions.DecideAsync(tree.Id(orgName), itemKey, CancellationToken.None).AsTask();

    [DataFact]
    public async Task An_item_the_org_and_all_its_ancestors_have_is_allowed()
    {
        var decision = await DecideAsync("beta-team", Aria);

        Assert.True(decision.Allowed);
        Assert.Equal("allowed", decision.Code);
    }

    [DataTheory]
    [InlineData("gamma", Catalogs.Aria, "feature_off_here", "gamma")]
    [InlineData("beta-team", Catalogs.Aurora, "feature_off_at_ancestor", "beta")]
    [InlineData("beta", "voice:nobody", "unknown_item", null)]
    [InlineData("beta", "", "unknown_item", null)]
    public async Task Denials_say_why_and_where(string orgName, string itemKey, string code, string? atOrgName)
    {
        var decision = await DecideAsync(orgName, itemKey);

        Assert.False(decision.Allowed);
        Assert.Equal(code, decision.Code);
        Assert.Equal(atOrgName is null ? null : tree.Id(atOrgName), decision.AtOrgId);
    }

    [DataFact]
    public async Task An_unknown_org_is_denied_and_not_cached()
    {
        var decision = await Decisions.DecideAsync(OrgIds.New(), Aria, CancellationToken.None);

        Assert.Equal("unknown_org", decision.Code);
        Assert.Equal(0, Decisions.CachedOrgCount);
    }

    [DataTheory]
    [InlineData(OrgStatus.Suspended, "org_suspended")]
    [InlineData(OrgStatus.Closed, "org_closed")]
    public async Task A_suspended_or_closed_ancestor_denies_everything_below_it_once_invalidated(OrgStatus status, string code)
    {
        Assert.True((await DecideAsync("beta-team", Aria)).Allowed);
        await SetStatusAsync("beta", status);

        Assert.True((await DecideAsync("beta-team", Aria)).Allowed);
        Decisions.InvalidateSubtree(tree.Id("beta"));
        var decision = await DecideAsync("beta-team", Aria);

        Assert.Equal(code, decision.Code);
        Assert.Equal(tree.Id("beta"), decision.AtOrgId);
    }

    [DataFact]
    public async Task Invalidating_one_org_reloads_only_that_org()
    {
        await DecideAsync("beta", Aria);
        await DecideAsync("beta-team", Aria);
        await SetStatusAsync("beta", OrgStatus.Suspended);

        Decisions.Invalidate(tree.Id("beta"));

        Assert.Equal("org_suspended", (await DecideAsync("beta", Aria)).Code);
        Assert.Equal("allowed", (await DecideAsync("beta-team", Aria)).Code);
    }

    [DataFact]
    public async Task An_allocation_change_through_the_service_is_seen_by_the_next_decision()
    {
        Assert.True((await DecideAsync("beta-team", Aria)).Allowed);

        await ServiceAsAda().SetEnabledAsync(tree.Id("beta"), Aria, false, CancellationToken.None);
        Assert.Equal("feature_off_at_ancestor", (await DecideAsync("beta-team", Aria)).Code);
        Assert.Equal("feature_off_here", (await DecideAsync("beta", Aria)).Code);

        await ServiceAsAda().SetEnabledAsync(tree.Id("beta"), Aria, true, CancellationToken.None);
        Assert.True((await DecideAsync("beta-team", Aria)).Allowed);
    }

    [DataFact]
    public async Task A_monthly_limit_anywhere_on_the_chain_is_checked_against_that_orgs_usage()
    {
        await ServiceAsAda().SetMonthlyLimitAsync(tree.Id("beta"), Activities.Speech, 1_000, CancellationToken.None);
        usage.Set(tree.Id("beta"), Activities.Speech, 999);
        Assert.True((await DecideAsync("beta-team", Activities.Speech)).Allowed);

        usage.Set(tree.Id("beta"), Activities.Speech, 1_000);
        var decision = await DecideAsync("beta-team", Activities.Speech);

        Assert.Equal("item_limit_reached", decision.Code);
        Assert.Equal(tree.Id("beta"), decision.AtOrgId);
        Assert.True((await DecideAsync("beta-team", Aria)).Allowed);
    }

    [DataFact]
    public async Task A_usage_reader_that_completes_later_is_awaited()
    {
        await ServiceAsAda().SetMonthlyLimitAsync(tree.Id("beta-team"), Activities.Speech, 10, CancellationToken.None);
        usage.Set(tree.Id("beta-team"), Activities.Speech, 10);
        usage.Asynchronous = true;

        Assert.Equal("item_limit_reached", (await DecideAsync("beta-team", Activities.Speech)).Code);
    }

    [DataFact]
    public async Task A_limit_change_is_seen_by_the_next_decision()
    {
        usage.Set(tree.Id("beta-team"), Activities.Speech, 50);
        Assert.True((await DecideAsync("beta-team", Activities.Speech)).Allowed);

        await ServiceAsAda().SetMonthlyLimitAsync(tree.Id("beta-team"), Activities.Speech, 50, CancellationToken.None);

        Assert.Equal("item_limit_reached", (await DecideAsync("beta-team", Activities.Speech)).Code);
    }

    [DataFact]
    public async Task Answers_come_from_the_cache_until_invalidated()
    {
        Assert.True((await DecideAsync("beta", Aria)).Allowed);
        Allocate(database, tree.Id("beta"), false, Aria);

        Assert.True((await DecideAsync("beta", Aria)).Allowed);
        Decisions.Invalidate(tree.Id("beta"));
        Assert.Equal("feature_off_here", (await DecideAsync("beta", Aria)).Code);
    }

    [DataFact]
    public async Task Invalidating_everything_picks_up_a_changed_catalog()
    {
        Assert.True((await DecideAsync("beta", Aria)).Allowed);
        await SyncAsync(database, Small.Where(i => i.Key != Aria).ToList());

        Decisions.InvalidateAll();

        Assert.Equal("unknown_item", (await DecideAsync("beta", Aria)).Code);
    }

    [DataFact]
    public async Task A_cached_decision_allocates_nothing()
    {
        await DecideAsync("beta-team", Aria);
        var decisions = Decisions;
        var orgId = tree.Id("beta-team");
        for (var i = 0; i < 10; i++)
        {
            await decisions.DecideAsync(orgId, Aria, CancellationToken.None);
        }

        var allSynchronous = true;
        var allAllowed = true;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            var pending = decisions.DecideAsync(orgId, Aria, CancellationToken.None);
            allSynchronous &= pending.IsCompletedSuccessfully;
            allAllowed &= (await pending).Allowed;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allSynchronous);
        Assert.True(allAllowed);
        Assert.Equal(0, allocated);
    }

    private async Task SetStatusAsync(string orgName, OrgStatus status)
    {
        await using var db = database.CreateDbContext();
        var org = await db.Organizations.SingleAsync(o => o.Id == tree.Id(orgName));
        org.Status = status;
        await db.SaveChangesAsync();
    }

    public void Dispose()
    {
        provider.Dispose();
        database.Dispose();
    }

    private sealed class SettableUsage : IMonthlyUsageReader
    {
        private readonly Dictionary<(string, string), long> used = [];

        public bool Asynchronous { get; set; }

        public void Set(string orgId, string itemKey, long credits) => used[(orgId, itemKey)] = credits;

        public ValueTask<long> GetCreditsUsedThisMonthAsync(string orgId, string itemKey, CancellationToken ct)
        {
            var credits = used.GetValueOrDefault((orgId, itemKey));
            return Asynchronous ? new ValueTask<long>(Task.Run(async () => { await Task.Yield(); return credits; }, ct)) : ValueTask.FromResult(credits);
        }
    }
}
