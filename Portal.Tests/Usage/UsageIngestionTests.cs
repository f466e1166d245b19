using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;
using Portal.Usage;

namespace Portal.Tests.Usage;

public sealed class UsageIngestionTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);
    private readonly TestDatabase database = new();

    [DataFact]
    public async Task The_same_batch_posted_three_times_counts_once()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme");
        await using var provider = Services();
        var batch = Enumerable.Range(0, 50).Select(i => Event(tree.Id(i % 2 == 0 ? "beta" : "gamma"), $"evt-{i}", credits: i)).ToList();

        var results = new List<UsageBatchResult>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var scope = provider.AsApiKey(tree.Id("acme"));
            results.Add(await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None));
        }

        Assert.Equal((50, 0), (results[0].Accepted, results[0].Duplicates));
        Assert.All(results.Skip(1), r => Assert.Equal((0, 50), (r.Accepted, r.Duplicates)));
        await using var db = database.CreateDbContext();
        Assert.Equal(50, await db.Set<UsageEvent>().CountAsync());
        Assert.Equal(Enumerable.Range(0, 50).Sum(), await db.Set<UsageRollup>().SumAsync(r => r.Credits));
    }

    [DataFact]
    public async Task An_event_repeated_inside_one_batch_is_stored_and_rolled_up_once_and_the_first_copy_wins()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await using var provider = Services();
        await using var scope = provider.AsApiKey(tree.Id("acme"));
        UsageEventInput[] batch = [Event(tree.Id("beta"), "twice", credits: 7), Event(tree.Id("beta"), "once", credits: 5), Event(tree.Id("beta"), "twice", credits: 900)];

        var result = await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);

        Assert.Equal([UsageEventOutcome.Accepted, UsageEventOutcome.Accepted, UsageEventOutcome.Duplicate], result.Events.Select(e => e.Status));
        await using var db = database.CreateDbContext();
        Assert.Equal(7, await db.Set<UsageEvent>().Where(e => e.EventId == "twice").Select(e => e.Credits).SingleAsync());
        var rollup = await db.Set<UsageRollup>().SingleAsync();
        Assert.Equal((12L, 2L), (rollup.Credits, rollup.Events));
    }

    [DataFact]
    public async Task A_batch_with_bad_events_stores_the_good_ones_and_names_each_bad_one()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("closed", "acme", OrgStatus.Closed).SuperOrg("other");
        await using var provider = Services();
        await using var scope = provider.AsApiKey(tree.Id("acme"));
        UsageEventInput[] batch =
        [
            Event(tree.Id("beta"), "good-1"),
            Event(tree.Id("beta"), "neg", credits: -1),
            Event(tree.Id("beta"), "frac", credits: 1.5m),
            Event(OrgIds.New(), "unknown-org"),
            Event(tree.Id("other"), "foreign-org"),
            Event(tree.Id("closed"), "closed-org"),
            Event(tree.Id("beta"), "bad-activity", activity: "karaoke"),
            Event(tree.Id("beta"), "too-old", at: Now.AddDays(-90)),
            Event(tree.Id("beta"), "future", at: Now.AddHours(1)),
            Event(tree.Id("beta"), ""),
            new UsageEventInput(tree.Id("beta"), "speech", null, Now, "no-credits"),
            Event(tree.Id("beta"), "good-2", activity: "speech/sync"),
        ];

        var result = await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);

        Assert.Equal((2, 0, 10), (result.Accepted, result.Duplicates, result.Rejected));
        Assert.Equal(
            ["credits_invalid", "credits_invalid", "org_not_found", "org_not_found", "org_closed", "activity_unknown",
             "occurred_at_out_of_window", "occurred_at_out_of_window", "event_id_invalid", "credits_invalid"],
            result.Events.Where(e => e.Status == UsageEventOutcome.Rejected).Select(e => e.Code));
        await using var db = database.CreateDbContext();
        Assert.Equal(["good-1", "good-2"], await db.Set<UsageEvent>().OrderBy(e => e.EventId).Select(e => e.EventId).ToListAsync());
        Assert.Equal(["speech", "speech-sync"], await db.Set<UsageRollup>().OrderBy(r => r.Activity).Select(r => r.Activity).ToListAsync());
    }

    [DataTheory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task An_empty_or_oversized_batch_is_refused_whole(int size)
    {
        var tree = Tree.In(database).SuperOrg("acme");
        await using var provider = Services();
        await using var scope = provider.AsApiKey(tree.Id("acme"));

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => scope.ServiceProvider.GetRequiredService<UsageIngestion>()
            .IngestAsync(Enumerable.Range(0, size).Select(i => Event(tree.Id("acme"), $"e{i}")).ToList(), CancellationToken.None));

        Assert.Equal(size == 0 ? "batch_empty" : "batch_too_large", error.Code);
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.Set<UsageEvent>().CountAsync());
    }

    [DataFact]
    public async Task A_child_orgs_key_cannot_report_usage_for_its_parent_or_a_sibling()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme");
        await using var provider = Services();
        await using var scope = provider.AsApiKey(tree.Id("beta"));

        var result = await scope.ServiceProvider.GetRequiredService<UsageIngestion>()
            .IngestAsync([Event(tree.Id("acme"), "a"), Event(tree.Id("gamma"), "b"), Event(tree.Id("beta"), "c")], CancellationToken.None);

        Assert.Equal((1, 2), (result.Accepted, result.Rejected));
        Assert.All(result.Events.Take(2), e => Assert.Equal("org_not_found", e.Code));
    }

    [DataFact]
    public async Task An_org_closed_after_it_reported_usage_takes_no_more()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Member("ann", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();

        Assert.Equal(1, (await IngestAsync(provider, tree.Id("acme"), Event(tree.Id("beta"), "before"))).Accepted);
        await using (var admin = provider.As(tree.UserId("ann"), tree.Id("acme")))
        {
            await admin.ServiceProvider.GetRequiredService<OrganizationService>().CloseAsync(tree.Id("beta"), CancellationToken.None);
        }

        var after = await IngestAsync(provider, tree.Id("acme"), Event(tree.Id("beta"), "after"));
        Assert.Equal("org_closed", Assert.Single(after.Events).Code);
    }

    [DataFact]
    public async Task An_org_moved_out_of_a_keys_subtree_is_refused_to_that_key_on_the_next_batch()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Child("delta", "beta")
            .Member("ann", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services(maxDepth: 2);

        Assert.Equal(1, (await IngestAsync(provider, tree.Id("beta"), Event(tree.Id("delta"), "before"))).Accepted);
        await using (var admin = provider.As(tree.UserId("ann"), tree.Id("acme")))
        {
            await admin.ServiceProvider.GetRequiredService<OrganizationService>().MoveAsync(tree.Id("delta"), tree.Id("gamma"), CancellationToken.None);
        }

        var after = await IngestAsync(provider, tree.Id("beta"), Event(tree.Id("delta"), "after"));
        Assert.Equal("org_not_found", Assert.Single(after.Events).Code);
        Assert.Equal(1, (await IngestAsync(provider, tree.Id("gamma"), Event(tree.Id("delta"), "after"))).Accepted);
    }

    [DataFact]
    public async Task Parallel_overlapping_batches_lose_nothing_and_count_nothing_twice()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await using var provider = Services();
        // Eight batches of 200 over 1,000 distinct events: every event is sent by at least one batch, many by two.
        var batches = Enumerable.Range(0, 8).Select(b => Enumerable.Range(b * 100, 200).Select(i => Event(tree.Id("beta"), $"e{i % 1000}", credits: 1)).ToList()).ToList();

        var results = await Task.WhenAll(batches.Select(async batch =>
        {
            await using var scope = provider.AsApiKey(tree.Id("acme"));
            return await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);
        }));

        var distinct = batches.SelectMany(b => b).Select(e => e.EventId).Distinct().Count();
        Assert.Equal(distinct, results.Sum(r => r.Accepted));
        await using var db = database.CreateDbContext();
        Assert.Equal(distinct, await db.Set<UsageEvent>().CountAsync());
        Assert.Equal(distinct, await db.Set<UsageRollup>().SumAsync(r => r.Credits));
    }

    [DataFact]
    public async Task The_rollup_always_equals_aggregating_the_raw_events()
    {
        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 40], Gen.Int[0, 6], Gen.Int[0, 500], Gen.Int[0, 30 * 24])
            .Array[1, 60].Array[1, 5];
        await gen.SampleAsync(async batches =>
        {
            using var db = new TestDatabase();
            var tree = Tree.In(db).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme");
            string[] orgs = [tree.Id("acme"), tree.Id("beta"), tree.Id("gamma")];
            await using var provider = Services(db);
            foreach (var batch in batches)
            {
                await using var scope = provider.AsApiKey(tree.Id("acme"));
                await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(
                    batch.Select(e => Event(orgs[e.Item1], $"e{e.Item2}", e.Item4, Activities.All[e.Item3].Key, Now.AddHours(-e.Item5))).ToList(),
                    CancellationToken.None);
            }

            await using var check = db.CreateDbContext();
            var raw = (await check.Set<UsageEvent>().ToListAsync())
                .GroupBy(e => (e.OrgId, e.Activity, e.OccurredAt.Date))
                .ToDictionary(g => g.Key, g => (g.Sum(e => e.Credits), (long)g.Count()));
            var rolled = (await check.Set<UsageRollup>().ToListAsync()).ToDictionary(r => (r.OrgId, r.Activity, r.Day), r => (r.Credits, r.Events));
            Assert.Equal(raw.OrderBy(kv => kv.Key), rolled.OrderBy(kv => kv.Key));
        }, iter: 30, threads: 1);
    }

    private static async Task<UsageBatchResult> IngestAsync(ServiceProvider provider, string keyOrgId, params UsageEventInput[] batch)
    {
        await using var scope = provider.AsApiKey(keyOrgId);
        return await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);
    }

    private ServiceProvider Services(TestDatabase? db = null, int maxDepth = 1)
    {
        var services = new ServiceCollection().AddPortalForTests(db ?? database, maxDepth);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        return services.BuildServiceProvider();
    }

    private static UsageEventInput Event(string orgId, string eventId, decimal credits = 10, string activity = "speech", DateTime? at = null) =>
        new(orgId, activity, credits, at ?? Now.AddHours(-1), eventId);

    public void Dispose() => database.Dispose();
}
