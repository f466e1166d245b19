using BenchmarkDotNet.Attributes;
using Portal.Entitlements;

namespace Portal.Benchmarks;

/// <summary>
/// "May org O use item I now?" for an org one level and five levels below the top of a 10,000-org tree:
/// answered from the cache, and right after the org's snapshot was invalidated (one query, then cached again).
/// The Ratio column compares each with the depth-1 cached answer of the same run.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DecisionBenchmarks
{
    private const string Item = Activities.Speech;
    private EntitlementDecisionService decisions = null!;
    private string depth1 = "";
    private string depth5 = "";

    [GlobalSetup]
    public void Setup()
    {
        OrgTreeDatabase.EnsureCreated();
        decisions = new EntitlementDecisionService(OrgTreeDatabase.Factory(), new NoMonthlyUsageYet(), new NoSpendLimits(),
            new Portal.Operations.InProcessCacheInvalidationBus(Microsoft.Extensions.Logging.Abstractions.NullLogger<Portal.Operations.InProcessCacheInvalidationBus>.Instance));
        depth1 = OrgTreeDatabase.OrgAtDepth(1);
        depth5 = OrgTreeDatabase.OrgAtDepth(5);
        foreach (var orgId in new[] { depth1, depth5 })
        {
            var decision = decisions.DecideAsync(orgId, Item, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (!decision.Allowed)
            {
                throw new InvalidOperationException($"The generated tree should allow {Item} at {orgId}, but the answer was {decision.Code}.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "depth 1, cached")]
    public ValueTask<EntitlementDecision> Depth1Cached() => decisions.DecideAsync(depth1, Item, CancellationToken.None);

    [Benchmark(Description = "depth 5, cached")]
    public ValueTask<EntitlementDecision> Depth5Cached() => decisions.DecideAsync(depth5, Item, CancellationToken.None);

    [Benchmark(Description = "depth 1, after invalidation")]
    public ValueTask<EntitlementDecision> Depth1AfterInvalidation()
    {
        decisions.Invalidate(depth1);
        return decisions.DecideAsync(depth1, Item, CancellationToken.None);
    }

    [Benchmark(Description = "depth 5, after invalidation")]
    public ValueTask<EntitlementDecision> Depth5AfterInvalidation()
    {
        decisions.Invalidate(depth5);
        return decisions.DecideAsync(depth5, Item, CancellationToken.None);
    }
}
