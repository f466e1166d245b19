using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Entitlements;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Entitlements;

public sealed class EntitlementPropertyTests
{
    private static readonly string[] Items = [Catalogs.Aria, Catalogs.Aurora, Catalogs.VoiceIntelligence];

    /// <param name="Flip">True: flip the org's own setting and flip it back. False: set it to <paramref name="On"/>.</param>
    private sealed record Step(bool Flip, int Org, int Item, bool On)
    {
        public override string ToString() => Flip ? $"flip org{Org} {Items[Item]} twice" : $"set org{Org} {Items[Item]} {(On ? "on" : "off")}";
    }

    /// <summary>A random tree under org0 (org i's parent is one of the orgs before it), random own allocations below the root, random steps.</summary>
    private static readonly Gen<(int[] Parents, bool[] Initial, Step[] Steps)> Scenario =
        from count in Gen.Int[2, 9]
        from parentPicks in Gen.Int[0, 999].Array[count]
        from initial in Gen.Bool.Array[count * Items.Length]
        from steps in Gen.Select(Gen.Bool, Gen.Int[0, count - 1], Gen.Int[0, Items.Length - 1], Gen.Bool, (flip, org, item, switchOn) => new Step(flip, org, item, switchOn)).Array[1, 10]
        select (parentPicks.Select((pick, i) => i == 0 ? -1 : pick % i).ToArray(), initial, steps);

    [DataFact]
    public async Task A_child_never_has_more_than_its_parent_and_switching_a_parent_off_and_on_restores_its_subtree()
    {
        await Scenario.SampleAsync(async scenario =>
        {
            var (parents, initial, steps) = scenario;
            using var database = new TestDatabase();
            var tree = Tree.In(database).SuperOrg("org0");
            for (var i = 1; i < parents.Length; i++)
            {
                tree = tree.Child($"org{i}", $"org{parents[i]}");
            }

            tree.Member("owner", "org0", BuiltInRoles.OwnerId);
            await Catalogs.SyncAsync(database);
            for (var org = 1; org < parents.Length; org++)
            {
                for (var item = 0; item < Items.Length; item++)
                {
                    Catalogs.Allocate(database, tree.Id($"org{org}"), initial[(org * Items.Length) + item], Items[item]);
                }
            }

            await using var provider = new ServiceCollection().AddPortalForTests(database, maxDepth: 20).BuildServiceProvider();
            await using var scope = provider.As(tree.UserId("owner"), tree.Id("org0"));
            var service = scope.ServiceProvider.GetRequiredService<EntitlementService>();
            var ids = Enumerable.Range(0, parents.Length).Select(i => tree.Id($"org{i}")).ToArray();

            async Task<HashSet<string>[]> EffectiveAsync()
            {
                await using var db = database.CreateDbContext();
                var byId = await SubtreeAllocations.EffectiveAsync(db, ids[0], ct: CancellationToken.None);
                var effective = ids.Select(id => byId[id]).ToArray();
                Assert.Equal(await OracleAsync(database, ids, parents), effective.Select(Sorted).ToArray());
                for (var org = 1; org < ids.Length; org++)
                {
                    Assert.Subset(effective[parents[org]], effective[org]);
                }

                return effective;
            }

            await EffectiveAsync();
            foreach (var step in steps)
            {
                var key = Items[step.Item];
                var own = (await Catalogs.RowsAsync(database)).Any(r => r.OrgId == ids[step.Org] && r.ItemKey == key && r.Enabled);
                var parentHas = step.Org == 0 || (await EffectiveAsync())[parents[step.Org]].Contains(key);
                if (!step.Flip)
                {
                    var rowsBefore = await Catalogs.RowsAsync(database);
                    if (step.On && !parentHas)
                    {
                        var error = await Assert.ThrowsAsync<RuleViolationException>(() => service.SetEnabledAsync(ids[step.Org], key, true, CancellationToken.None));
                        Assert.Equal("feature_unavailable", error.Code);
                        Assert.Equal(rowsBefore, await Catalogs.RowsAsync(database));
                    }
                    else
                    {
                        await service.SetEnabledAsync(ids[step.Org], key, step.On, CancellationToken.None);
                    }

                    await EffectiveAsync();
                    continue;
                }

                if (!parentHas)
                {
                    // Switching it back on would be refused: the parent lacks it (that rule is checked by the plain steps).
                    continue;
                }

                var before = await EffectiveAsync();
                await service.SetEnabledAsync(ids[step.Org], key, !own, CancellationToken.None);
                var between = await EffectiveAsync();
                if (own)
                {
                    foreach (var descendant in DescendantsOrSelf(parents, step.Org))
                    {
                        Assert.DoesNotContain(key, between[descendant]);
                    }
                }

                await service.SetEnabledAsync(ids[step.Org], key, own, CancellationToken.None);
                Assert.Equal(before.Select(Sorted).ToArray(), (await EffectiveAsync()).Select(Sorted).ToArray());
            }

            // The page's per-org view agrees with the subtree query.
            var final = await EffectiveAsync();
            for (var org = 0; org < ids.Length; org++)
            {
                var features = await service.GetFeaturesAsync(ids[org], CancellationToken.None);
                Assert.Equal(Sorted(final[org]), Sorted(features.Items.Where(i => i.Effective).Select(i => i.Item.Key).Where(Items.Contains)));
            }
        }, iter: 25, threads: 1);
    }

    /// <summary>Effective sets computed the slow, obvious way from the stored rows: own AND parent's, top-down.</summary>
    private static async Task<string[][]> OracleAsync(TestDatabase database, string[] ids, int[] parents)
    {
        var rows = await Catalogs.RowsAsync(database);
        var effective = new HashSet<string>[ids.Length];
        for (var org = 0; org < ids.Length; org++)
        {
            var own = rows.Where(r => r.OrgId == ids[org] && r.Enabled).Select(r => r.ItemKey).ToHashSet();
            effective[org] = org == 0 ? own : [.. own.Where(effective[parents[org]].Contains)];
        }

        return effective.Select(e => Sorted(e.Where(Items.Contains))).ToArray();
    }

    private static string[] Sorted(IEnumerable<string> keys) => keys.Where(Items.Contains).Order(StringComparer.Ordinal).ToArray();

    private static IEnumerable<int> DescendantsOrSelf(int[] parents, int org) =>
        Enumerable.Range(0, parents.Length).Where(candidate =>
        {
            for (var current = candidate; current >= 0; current = parents[current])
            {
                if (current == org)
                {
                    return true;
                }
            }

            return false;
        });
}
