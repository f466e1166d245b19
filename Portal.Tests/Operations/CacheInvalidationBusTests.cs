using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Portal.Operations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Operations;

public sealed class InProcessCacheInvalidationBusTests
{
    [Fact]
    public void A_publish_runs_every_handler_of_the_topic_before_it_returns_even_when_one_fails()
    {
        var bus = new InProcessCacheInvalidationBus(NullLogger<InProcessCacheInvalidationBus>.Instance);
        var seen = new List<string>();
        bus.Subscribe("orgs", _ => throw new InvalidOperationException("a broken cache"));
        bus.Subscribe("orgs", keys => seen.AddRange(keys));
        bus.Subscribe("other", keys => seen.Add("wrong topic"));

        bus.Publish("orgs", ["a", "b"]);

        Assert.Equal(["a", "b"], seen);
    }
}

/// <summary>Two buses on one database stand for two instances of the portal.</summary>
public sealed class PostgresCacheInvalidationBusTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<IAsyncDisposable> owned = [];
    private TestDatabase? database;

    public Task InitializeAsync()
    {
        if (TestDatabase.PostgresServer is not null)
        {
            database = new TestDatabase(TestProvider.Postgres);
        }

        return Task.CompletedTask;
    }

    [PostgresFact]
    public async Task An_invalidation_published_on_one_instance_reaches_the_handlers_of_the_other()
    {
        var (a, b) = (await StartBusAsync(), await StartBusAsync());
        var received = new TaskCompletionSource<IReadOnlyCollection<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Subscribe("orgs", keys => received.TrySetResult(keys));

        a.Publish("orgs", ["org-1", "org-2"]);

        Assert.Equal(["org-1", "org-2"], await received.Task.WaitAsync(Patience));
    }

    [PostgresFact]
    public async Task More_keys_than_one_notification_holds_all_arrive()
    {
        var (a, b) = (await StartBusAsync(), await StartBusAsync());
        var keys = Enumerable.Range(0, 1000).Select(i => Guid.NewGuid().ToString()).ToList();
        var arrived = new HashSet<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Subscribe("orgs", batch =>
        {
            lock (arrived)
            {
                arrived.UnionWith(batch);
                if (arrived.Count == keys.Count)
                {
                    all.TrySetResult();
                }
            }
        });

        a.Publish("orgs", keys);

        await all.Task.WaitAsync(Patience);
        Assert.True(arrived.SetEquals(keys));
    }

    [PostgresFact]
    public async Task The_publisher_runs_its_own_handlers_once_not_again_when_its_message_comes_back()
    {
        var (a, b) = (await StartBusAsync(), await StartBusAsync());
        var seenByA = new List<string>();
        var secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Subscribe("orgs", keys =>
        {
            lock (seenByA)
            {
                seenByA.AddRange(keys);
                if (keys.Contains("from-b"))
                {
                    secondArrived.TrySetResult();
                }
            }
        });

        a.Publish("orgs", ["from-a"]);
        Assert.Equal(["from-a"], seenByA);
        b.Publish("orgs", ["from-b"]);

        // Notifications arrive in the order they were sent: had A's own come back, it would be here by now.
        await secondArrived.Task.WaitAsync(Patience);
        Assert.Equal(["from-a", "from-b"], seenByA);
    }

    public async Task DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }

        database?.Dispose();
    }

    private async Task<PostgresCacheInvalidationBus> StartBusAsync()
    {
        var dataSource = NpgsqlDataSource.Create(database!.ConnectionString);
        var bus = new PostgresCacheInvalidationBus(dataSource, NullLogger<PostgresCacheInvalidationBus>.Instance);
        owned.Add(dataSource);
        owned.Add(bus);
        await bus.StartAsync(CancellationToken.None);
        await bus.Listening.WaitAsync(Patience);
        return bus;
    }
}
