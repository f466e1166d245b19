using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace Portal.Operations;

/// <summary>
/// Several instances on one PostgreSQL database: invalidations travel as NOTIFY on one channel, and every instance
/// LISTENs on a connection of its own. Messages that an instance may have missed (its listening connection broke)
/// make it drop all its caches once it listens again.
/// </summary>
public sealed class PostgresCacheInvalidationBus(NpgsqlDataSource dataSource, ILogger<PostgresCacheInvalidationBus> logger)
    : CacheInvalidationBusBase(logger), IHostedService, IAsyncDisposable
{
    public const string Channel = "portal_cache_invalidation";

    // NOTIFY payloads must stay under 8000 bytes.
    private const int MaxPayloadBytes = 7000;
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SendOnStopTimeout = TimeSpan.FromSeconds(5);

    private readonly string instanceId = Guid.NewGuid().ToString("N");
    private readonly Channel<string> outbox = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? listener;
    private int stopped;
    private Task? sender;

    /// <summary>Completes once this instance listens (tests wait for it before publishing elsewhere).</summary>
    public Task Listening => listening.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        listener = Task.Run(() => ListenAsync(stopping.Token), CancellationToken.None);
        sender = Task.Run(() => SendAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    // Called by the host and again when the container disposes this (in either order): the first call stops it.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        outbox.Writer.TryComplete();
        // Announcements already queued still go out (unless the database stays away); then the listener stops.
        if (sender is not null)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(SendOnStopTimeout);
            await sender.WaitAsync(bounded.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await stopping.CancelAsync();
        foreach (var task in new[] { sender, listener })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    protected override void Announce(string topic, IReadOnlyCollection<string> keys)
    {
        foreach (var payload in Payloads(topic, keys))
        {
            outbox.Writer.TryWrite(payload);
        }
    }

    private IEnumerable<string> Payloads(string topic, IReadOnlyCollection<string> keys)
    {
        var chunk = new List<string>();
        var size = 0;
        foreach (var key in keys)
        {
            if (chunk.Count > 0 && size + key.Length + 4 > MaxPayloadBytes)
            {
                yield return Serialize(topic, chunk);
                chunk = [];
                size = 0;
            }

            chunk.Add(key);
            size += Encoding.UTF8.GetByteCount(key) + 4;
        }

        if (chunk.Count > 0 || keys.Count == 0)
        {
            yield return Serialize(topic, chunk);
        }
    }

    private string Serialize(string topic, List<string> keys) =>
        JsonSerializer.Serialize(new Message(instanceId, topic, keys));

    private async Task SendAsync(CancellationToken ct)
    {
        await foreach (var payload in outbox.Reader.ReadAllAsync(CancellationToken.None))
        {
            while (true)
            {
                try
                {
                    await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
                    command.Parameters.AddWithValue("channel", Channel);
                    command.Parameters.AddWithValue("payload", payload);
                    await command.ExecuteNonQueryAsync(ct);
                    break;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
                {
                    // The database is away: whoever changed something could not have committed much more. Retry until
                    // it is back; the other instances drop their caches when they listen again anyway.
                    logger.LogWarning(e, "Could not announce a cache invalidation; retrying.");
                    await Task.Delay(RetryDelay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var listenedBefore = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                if (listenedBefore)
                {
                    logger.LogInformation("Listening for cache invalidations again; dropping every cache once.");
                    DeliverEverything();
                }

                listenedBefore = true;
                listening.TrySetResult();
                while (!ct.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(KeepAliveInterval, ct))
                    {
                        // Nothing for a while: make sure the connection is still alive.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure: the database is away or the connection broke; listen again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Lost the cache invalidation channel; listening again shortly.");
                await Task.Delay(RetryDelay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        Message? message;
        try
        {
            message = JsonSerializer.Deserialize<Message>(e.Payload);
        }
        catch (JsonException)
        {
            logger.LogWarning("Ignored a malformed cache invalidation: {Payload}", e.Payload);
            return;
        }

        if (message is not null && message.From != instanceId)
        {
            Deliver(message.Topic, message.Keys);
        }
    }

    private sealed record Message(string From, string Topic, List<string> Keys);
}
