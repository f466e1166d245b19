using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Portal.Operations;

/// <summary>
/// Tells the in-process caches of every instance of the portal that something changed. A publish runs the topic's
/// handlers in this process at once (so the caller's next read is fresh), and on the other instances shortly after.
/// Keys say what changed (org ids, key hashes...); no keys means "everything of that topic".
/// </summary>
public interface ICacheInvalidationBus
{
    void Publish(string topic, IReadOnlyCollection<string> keys);

    /// <summary>Tells only the other instances: this one has brought its own caches up to date already.</summary>
    void PublishToOthers(string topic, IReadOnlyCollection<string> keys);

    void Subscribe(string topic, Action<IReadOnlyCollection<string>> handler);
}

/// <summary>The handlers of this process, shared by every kind of bus.</summary>
public abstract class CacheInvalidationBusBase(ILogger logger) : ICacheInvalidationBus
{
    private readonly ConcurrentDictionary<string, ImmutableList<Action<IReadOnlyCollection<string>>>> handlers = new(StringComparer.Ordinal);

    public void Publish(string topic, IReadOnlyCollection<string> keys)
    {
        Deliver(topic, keys);
        Announce(topic, keys);
    }

    public void PublishToOthers(string topic, IReadOnlyCollection<string> keys) => Announce(topic, keys);

    public void Subscribe(string topic, Action<IReadOnlyCollection<string>> handler) =>
        handlers.AddOrUpdate(topic, _ => [handler], (_, list) => list.Add(handler));

    /// <summary>Sends the invalidation to the other instances (nothing to do when there are none).</summary>
    protected abstract void Announce(string topic, IReadOnlyCollection<string> keys);

    protected void Deliver(string topic, IReadOnlyCollection<string> keys)
    {
        if (!handlers.TryGetValue(topic, out var list))
        {
            return;
        }

        foreach (var handler in list)
        {
            try
            {
                handler(keys);
            }
#pragma warning disable CA1031 // One broken cache must not keep the others stale.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "A cache failed to handle an invalidation of {Topic}.", topic);
            }
        }
    }

    /// <summary>After messages may have been missed: every cache of this process starts over.</summary>
    protected void DeliverEverything()
    {
        foreach (var topic in handlers.Keys)
        {
            Deliver(topic, []);
        }
    }
}

/// <summary>One instance (SQLite): the handlers of this process are all there is.</summary>
public sealed class InProcessCacheInvalidationBus(ILogger<InProcessCacheInvalidationBus> logger) : CacheInvalidationBusBase(logger)
{
    protected override void Announce(string topic, IReadOnlyCollection<string> keys)
    {
    }
}
