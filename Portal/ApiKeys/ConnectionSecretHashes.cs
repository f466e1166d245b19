using Microsoft.AspNetCore.Connections.Features;

namespace Portal.ApiKeys;

/// <summary>
/// The hashes of the last few secrets presented on one connection, so a client that keeps its connection open (the
/// gateway asking <c>POST /decision</c> before every call, a script paging) does not pay a SHA-256 per request for the
/// same key. Only secret -> hash is remembered, which never changes; the key itself is still looked up in
/// <see cref="ApiKeyCache"/> on every request, so a revocation applies on the next one as before.
/// </summary>
/// <remarks>
/// Per connection, not per process, on purpose: the memo holds only secrets this connection sent itself (Kestrel keeps
/// the connection's header strings for its life anyway) and goes with it, and a timing difference in the comparison can
/// tell a client nothing but what it sent. Safe for HTTP/2's concurrent streams: a slot is replaced whole.
/// </remarks>
public sealed class ConnectionSecretHashes
{
    private const int Capacity = 8;
    private static readonly object ItemKey = new();
    private readonly Entry?[] entries = new Entry?[Capacity];
    private int replaced;

    private sealed record Entry(string Secret, string Hash);

    /// <summary>The connection's memo; null when the server keeps no per-connection items (then every request hashes).</summary>
    public static ConnectionSecretHashes? Of(HttpContext context)
    {
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null)
        {
            return null;
        }

        // HTTP/1 serves one request at a time per connection; HTTP/2 and 3 streams of one connection run at once, and
        // the items are a plain dictionary.
        var protocol = context.Request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol))
        {
            return GetOrAdd(items);
        }

        lock (items)
        {
            return GetOrAdd(items);
        }
    }

    private static ConnectionSecretHashes GetOrAdd(IDictionary<object, object?> items)
    {
        if (items.TryGetValue(ItemKey, out var existing) && existing is ConnectionSecretHashes memo)
        {
            return memo;
        }

        memo = new ConnectionSecretHashes();
        items[ItemKey] = memo;
        return memo;
    }

    /// <summary><see cref="ApiKeySecrets.Hash"/> of a well-formed secret.</summary>
    public string HashOf(string secret)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = Volatile.Read(ref entries[i]);
            if (entry is not null && (ReferenceEquals(entry.Secret, secret) || string.Equals(entry.Secret, secret, StringComparison.Ordinal)))
            {
                return entry.Hash;
            }
        }

        var hash = ApiKeySecrets.Hash(secret);
        var slot = (int)((uint)Interlocked.Increment(ref replaced) % Capacity);
        Volatile.Write(ref entries[slot], new Entry(secret, hash));
        return hash;
    }
}
