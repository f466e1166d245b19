using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Access;

public sealed class AccessPropertyTests
{
    /// <summary>A random forest: org i's parent is one of the orgs before it, or none (a new top-level org).</summary>
    private static readonly Gen<(int[] Parents, int MemberOrg, int RoleIndex, int[] Targets)> Scenario =
        from count in Gen.Int[1, 18]
        from parentPicks in Gen.Int[0, 999].Array[count]
        from memberOrg in Gen.Int[0, count - 1]
        from roleIndex in Gen.Int[0, BuiltInRoles.All.Count - 1]
        from targets in Gen.Int[0, count - 1].Array[1, 6]
        select (parentPicks.Select((pick, i) => i == 0 ? -1 : (pick % (i + 1)) - 1).ToArray(), memberOrg, roleIndex, targets);

    [DataFact]
    public async Task Access_is_granted_exactly_on_the_member_org_and_its_descendants_with_the_role_permissions()
    {
        await Scenario.SampleAsync(async scenario =>
        {
            using var database = new TestDatabase();
            var tree = Tree.In(database);
            for (var i = 0; i < scenario.Parents.Length; i++)
            {
                tree = scenario.Parents[i] < 0 ? tree.SuperOrg($"org{i}") : tree.Child($"org{i}", $"org{scenario.Parents[i]}");
            }

            var role = BuiltInRoles.All[scenario.RoleIndex];
            tree.Member("caller", $"org{scenario.MemberOrg}", role.Id);

            await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
            await using var scope = provider.As(tree.UserId("caller"), tree.Id($"org{scenario.MemberOrg}"));
            var access = scope.ServiceProvider.GetRequiredService<AccessService>();

            foreach (var target in scenario.Targets)
            {
                var expected = IsAncestorOrSelf(scenario.Parents, scenario.MemberOrg, target) ? role.Permissions : Permission.None;
                var actual = await access.GetPermissionsAsync(tree.Id($"org{target}"), CancellationToken.None);
                Assert.Equal(expected, actual);
            }
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void Suspension_and_closure_never_add_permissions()
    {
        var statuses = Gen.Enum<OrgStatus>();
        Gen.Select(statuses.Array[1, 6], Gen.Int[0, 5], Gen.Long[0, (long)Permissions.All])
            .Sample((chainStatuses, grantAt, permissionBits) =>
            {
                var chain = chainStatuses.Select((status, distance) => new ChainLink($"o{distance}", distance, status)).ToList();
                var grantOrg = chain[Math.Min(grantAt, chain.Count - 1)].OrgId;
                var granted = (Permission)permissionBits & Permissions.All;
                var active = chain.Select(c => c with { Status = OrgStatus.Active }).ToList();

                var withStatuses = AccessRules.Evaluate(chain, [new Grant(grantOrg, granted)]);
                var allActive = AccessRules.Evaluate(active, [new Grant(grantOrg, granted)]);

                Assert.Equal(withStatuses, withStatuses & allActive);
            });
    }

    private static bool IsAncestorOrSelf(int[] parents, int ancestor, int org)
    {
        for (var current = org; current >= 0; current = parents[current])
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
