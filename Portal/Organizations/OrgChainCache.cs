using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Organizations;

/// <summary>An org's own status, whether it or an ancestor is closed, and its ancestors (itself first).</summary>
public sealed record OrgChain(OrgStatus Status, bool ClosedAtOrAbove, IReadOnlyList<string> AncestorIds)
{
    /// <summary>Closed when the org or any ancestor is: a closed org's subtree takes nothing.</summary>
    public OrgStatus EffectiveStatus => ClosedAtOrAbove ? OrgStatus.Closed : Status;

    public bool IsWithin(string orgId) => AncestorIds.Contains(orgId, StringComparer.Ordinal);
}

/// <summary>
/// The chains of orgs that ingestion meets again and again, in memory. Loaded for many orgs in one query over the
/// closure table; every chain that holds an org is dropped, on every instance, when that org changes status or place
/// (<see cref="IOrgChangeListener"/>). Unknown ids are never cached, so callers cannot fill it with junk.
/// </summary>
public sealed class OrgChainCache(IDbContextFactory<PortalDbContext> dbFactory) : IOrgChangeListener
{
    private readonly ConcurrentDictionary<string, OrgChain> chains = new(StringComparer.Ordinal);

    // Bumped by every change: a load that overlapped one may have read the old tree, so it is used but not kept.
    private long generation;

    /// <summary>The org's chain, or null when it is not an organization.</summary>
    public async ValueTask<OrgChain?> GetAsync(string orgId, CancellationToken ct) =>
        chains.TryGetValue(orgId, out var chain) ? chain : (await GetAsync([orgId], ct)).GetValueOrDefault(orgId);

    /// <summary>The chains of those ids that are organizations; ids that are not are left out.</summary>
    public async Task<Dictionary<string, OrgChain>> GetAsync(IReadOnlyCollection<string> orgIds, CancellationToken ct)
    {
        var found = new Dictionary<string, OrgChain>(orgIds.Count, StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var orgId in orgIds)
        {
            if (chains.TryGetValue(orgId, out var chain))
            {
                found[orgId] = chain;
            }
            else
            {
                (missing ??= []).Add(orgId);
            }
        }

        if (missing is null)
        {
            return found;
        }

        var seen = Interlocked.Read(ref generation);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var links = await db.OrgAncestries
            .Where(a => missing.Contains(a.DescendantId))
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => new { a.DescendantId, a.AncestorId, a.Distance, o.Status })
            .ToListAsync(ct);
        var keep = Interlocked.Read(ref generation) == seen;
        foreach (var group in links.GroupBy(l => l.DescendantId, StringComparer.Ordinal))
        {
            var chain = new OrgChain(
                group.Single(l => l.Distance == 0).Status,
                group.Any(l => l.Status == OrgStatus.Closed),
                group.OrderBy(l => l.Distance).Select(l => l.AncestorId).ToArray());
            found[group.Key] = chain;
            if (keep)
            {
                chains[group.Key] = chain;
            }
        }

        return found;
    }

    public void OrgStatusChanged(string orgId)
    {
        Interlocked.Increment(ref generation);
        foreach (var (cachedId, chain) in chains)
        {
            if (chain.IsWithin(orgId))
            {
                chains.TryRemove(new KeyValuePair<string, OrgChain>(cachedId, chain));
            }
        }
    }
}
