using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Operations;
using Portal.Organizations;

namespace Portal.ApiKeys;

/// <summary>What authentication needs to know about a key, without touching the database on every request.</summary>
public sealed record ApiKeySnapshot(
    string Id,
    string OrgId,
    string Name,
    string Prefix,
    FrozenSet<string> Scopes,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    DateTime? LastUsedAt,
    OrgStatus OrgStatus)
{
    public string DisplayName => $"API key '{Name}' ({Prefix})";

    public bool Has(string scope) => Scopes.Contains(scope);
}

/// <summary>
/// Secret hash -> key snapshot, in process. Revoking and rotating evict the entry and an org status change empties
/// the cache, so they take effect on the very next request; anything else reaches it within
/// <see cref="ApiKeyOptions.CacheDuration"/>, and every service still asks <c>AccessService</c>, which reads the
/// database. Evictions reach every instance through the <see cref="ICacheInvalidationBus"/> (org status changes reach
/// every instance's listeners already).
/// </summary>
public sealed class ApiKeyCache : IOrgChangeListener, IDisposable
{
    public const string InvalidationTopic = "api-keys";
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly IDbContextFactory<PortalDbContext> dbFactory;
    private readonly IOptions<ApiKeyOptions> options;
    private readonly ICacheInvalidationBus bus;
    private long evictions;

    public ApiKeyCache(IDbContextFactory<PortalDbContext> dbFactory, IOptions<ApiKeyOptions> options, ICacheInvalidationBus bus)
    {
        this.dbFactory = dbFactory;
        this.options = options;
        this.bus = bus;
        bus.Subscribe(InvalidationTopic, hashes =>
        {
            Interlocked.Increment(ref evictions);
            if (hashes.Count == 0)
            {
                cache.Clear();
            }

            foreach (var hash in hashes)
            {
                cache.Remove(hash);
            }
        });
    }

    public async ValueTask<ApiKeySnapshot?> FindAsync(string secretHash, CancellationToken ct)
    {
        if (cache.TryGetValue(secretHash, out CachedKey? cached))
        {
            return cached!.Key;
        }

        // A revocation that commits while we read must not be overwritten by what we read before it.
        var evictionsBefore = Interlocked.Read(ref evictions);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.Set<ApiKey>().AsNoTracking().SingleOrDefaultAsync(k => k.SecretHash == secretHash, ct);
        ApiKeySnapshot? snapshot = null;
        if (key is not null)
        {
            // The worst status on the way up: a key of an org under a closed (suspended) org is closed (suspended) too.
            var statuses = await db.OrgAncestries
                .Where(a => a.DescendantId == key.OrgId)
                .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => o.Status)
                .ToListAsync(ct);
            var status = statuses.Count == 0 ? OrgStatus.Closed : statuses.Max();
            snapshot = new ApiKeySnapshot(key.Id, key.OrgId, key.Name, key.Prefix, key.ScopeList.ToFrozenSet(),
                key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt, status);
        }

        if (Interlocked.Read(ref evictions) == evictionsBefore)
        {
            cache.Set(secretHash, new CachedKey(snapshot), new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = options.Value.CacheDuration,
            });
        }

        return snapshot;
    }

    /// <summary>Drops the key on every instance (revoked, rotated): the next request with it reads the database.</summary>
    public void Evict(string secretHash) => bus.Publish(InvalidationTopic, [secretHash]);

    /// <summary>Status changes are rare and reach whole subtrees: start over.</summary>
    public void OrgStatusChanged(string orgId)
    {
        Interlocked.Increment(ref evictions);
        cache.Clear();
    }

    public void Dispose() => cache.Dispose();

    /// <summary>Unknown hashes are cached too (as null), so a flood of made-up keys does not reach the database.</summary>
    private sealed record CachedKey(ApiKeySnapshot? Key);
}

/// <summary>Writes a key's last-use time at most once per <see cref="ApiKeyOptions.LastUseWriteInterval"/>.</summary>
public sealed class ApiKeyLastUse(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, IOptions<ApiKeyOptions> options)
{
    private readonly ConcurrentDictionary<string, DateTime> written = new();

    /// <returns>True when this call wrote the time.</returns>
    public async Task<bool> RecordAsync(ApiKeySnapshot key, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var last = written.GetOrAdd(key.Id, key.LastUsedAt ?? DateTime.MinValue);
        if (now - last < options.Value.LastUseWriteInterval || !written.TryUpdate(key.Id, now, last))
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Set<ApiKey>().Where(k => k.Id == key.Id).ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now), ct);
        return true;
    }
}
