using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;
using Portal.Usage;

namespace Portal.Tests.Usage;

/// <summary>
/// The in-memory monthly totals stay equal to the roll-up: a write's credits count exactly once whether a total was
/// loaded before it, while it was in flight, or not at all; concurrent batches and loads lose nothing; moves reload.
/// </summary>
public sealed class MonthlyUsageCounterTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);
    private readonly TestDatabase database = new();

    [DataFact]
    public async Task A_total_loaded_before_a_write_gets_the_writes_credits_added_once()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await using var provider = Services();
        var counter = provider.GetRequiredService<MonthlyUsageCounter>();
        Assert.Equal(0, await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));

        await WriteAsync(counter, tree, "one", 50, loadWhileInFlight: false);

        Assert.Equal(50, await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));
        Assert.Equal(50, await counter.GetAsync(tree.Id("acme"), null, CancellationToken.None));
    }

    [DataFact]
    public async Task A_total_loaded_while_a_write_is_in_flight_is_not_kept_so_the_credits_count_once()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await using var provider = Services();
        var counter = provider.GetRequiredService<MonthlyUsageCounter>();

        await WriteAsync(counter, tree, "one", 50, loadWhileInFlight: true);
        await WriteAsync(counter, tree, "two", 7, loadWhileInFlight: true);

        Assert.Equal(57, await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));
        Assert.Equal(57, await counter.GetAsync(tree.Id("acme"), null, CancellationToken.None));
    }

    [DataFact]
    public async Task A_write_that_never_commits_changes_no_total()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await using var provider = Services();
        var counter = provider.GetRequiredService<MonthlyUsageCounter>();
        Assert.Equal(0, await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));

        using (var write = counter.BeginWrite())
        {
            write.Add([tree.Id("beta"), tree.Id("acme")], "speech", Now, 99);
        }

        Assert.Equal(0, await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));
    }

    [DataFact]
    public async Task Parallel_batches_and_reloads_end_with_the_totals_of_the_rollup()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme");
        await using var provider = Services();
        var counter = provider.GetRequiredService<MonthlyUsageCounter>();
        using var done = new CancellationTokenSource();

        // Reloads race with the batches: totals are dropped and read again all the time.
        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                counter.OrgStatusChanged(tree.Id("acme"));
                await counter.GetAsync(tree.Id("acme"), null, CancellationToken.None);
                await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 12).Select(async b =>
        {
            await using var scope = provider.AsApiKey(tree.Id("acme"));
            var batch = Enumerable.Range(0, 40).Select(i =>
                new UsageEventInput(tree.Id(i % 2 == 0 ? "beta" : "gamma"), i % 3 == 0 ? "script" : "speech", 1 + i % 4, Now.AddHours(-1), $"b{b}-e{i}")).ToList();
            await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);
        }));
        await done.CancelAsync();
        await reader;

        await using var db = database.CreateDbContext();
        Assert.Equal(await db.Set<UsageRollup>().SumAsync(r => r.Credits), await counter.GetAsync(tree.Id("acme"), null, CancellationToken.None));
        Assert.Equal(
            await db.Set<UsageRollup>().Where(r => r.OrgId == tree.Id("beta") && r.Activity == "speech").SumAsync(r => r.Credits),
            await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None));
    }

    [DataFact]
    public async Task A_move_takes_the_subtrees_usage_from_the_old_parents_total_to_the_new_ones()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Child("delta", "beta")
            .Member("ann", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services(maxDepth: 2);
        var counter = provider.GetRequiredService<MonthlyUsageCounter>();
        await using (var scope = provider.AsApiKey(tree.Id("acme")))
        {
            await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(
                [new UsageEventInput(tree.Id("delta"), "speech", 100, Now.AddHours(-1), "e1")], CancellationToken.None);
        }

        Assert.Equal((100L, 0L), (await counter.GetAsync(tree.Id("beta"), null, CancellationToken.None), await counter.GetAsync(tree.Id("gamma"), null, CancellationToken.None)));
        await using (var admin = provider.As(tree.UserId("ann"), tree.Id("acme")))
        {
            await admin.ServiceProvider.GetRequiredService<OrganizationService>().MoveAsync(tree.Id("delta"), tree.Id("gamma"), CancellationToken.None);
        }

        Assert.Equal((0L, 100L), (await counter.GetAsync(tree.Id("beta"), null, CancellationToken.None), await counter.GetAsync(tree.Id("gamma"), null, CancellationToken.None)));
    }

    /// <summary>Stores one event for beta the way ingestion does: announced, committed, then counted.</summary>
    private async Task WriteAsync(MonthlyUsageCounter counter, Tree tree, string eventId, long credits, bool loadWhileInFlight)
    {
        using var write = counter.BeginWrite();
        await using (var db = database.CreateDbContext())
        {
            await UsageEventWriter.For(db).WriteAsync(db, new UsageBatchOrigin(Now, null, null),
                [new NewUsageEvent(tree.Id("beta"), eventId, "speech", credits, Now.AddHours(-1))], CancellationToken.None);
        }

        if (loadWhileInFlight)
        {
            // Reads the committed rows before the write is counted: the total is answered, not kept.
            counter.OrgStatusChanged(tree.Id("beta"));
            var seen = await counter.GetAsync(tree.Id("beta"), "speech", CancellationToken.None);
            Assert.Equal(await SpeechCreditsAsync(tree), seen);
        }

        write.Add([tree.Id("beta"), tree.Id("acme")], "speech", Now.AddHours(-1), credits);
        write.Committed();
    }

    private async Task<long> SpeechCreditsAsync(Tree tree)
    {
        await using var db = database.CreateDbContext();
        return await db.Set<UsageRollup>().Where(r => r.OrgId == tree.Id("beta") && r.Activity == "speech").SumAsync(r => r.Credits);
    }

    private ServiceProvider Services(int maxDepth = 1)
    {
        var services = new ServiceCollection().AddPortalForTests(database, maxDepth);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        return services.BuildServiceProvider();
    }

    public void Dispose() => database.Dispose();
}
