using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Access;

/// <summary>
/// Role x relation x permission, through the real authorization point on a real database.
/// The caller is a member of <c>member-org</c>; the target is placed relative to it.
/// </summary>
public sealed class AccessTableTests : IDisposable
{
    private readonly TestDatabase database = new();

    public enum Relation
    {
        Self,
        Ancestor,
        Descendant,
        Sibling,
        Unrelated,
        SuspendedSelf,
        AncestorOfSuspended,
        AncestorOfClosed,
    }

    public static TheoryData<string, Relation> Cases()
    {
        var data = new TheoryData<string, Relation>();
        foreach (var role in BuiltInRoles.All)
        {
            foreach (var relation in Enum.GetValues<Relation>())
            {
                data.Add(role.Id, relation);
            }
        }

        return data;
    }

    [DataTheory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_holds_exactly_its_permissions_where_the_relation_allows(string roleId, Relation relation)
    {
        var (tree, homeOrg, target) = Arrange(roleId, relation);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("caller"), homeOrg);
        var access = scope.ServiceProvider.GetRequiredService<AccessService>();

        var rolePermissions = BuiltInRoles.Find(roleId)!.Permissions;
        var expected = relation switch
        {
            Relation.Self or Relation.Ancestor or Relation.AncestorOfSuspended => rolePermissions,
            Relation.SuspendedSelf or Relation.AncestorOfClosed => rolePermissions & Permissions.ReadOnly,
            _ => Permission.None,
        };

        foreach (var permission in Enum.GetValues<Permission>().Where(p => p != Permission.None))
        {
            var demand = () => access.DemandAsync(target, permission, CancellationToken.None);
            if (expected.Includes(permission))
            {
                await demand();
            }
            else if (expected == Permission.None)
            {
                await Assert.ThrowsAsync<OrgNotFoundException>(demand);
            }
            else
            {
                await Assert.ThrowsAsync<AccessDeniedException>(demand);
            }
        }

        Assert.Equal(expected, await access.GetPermissionsAsync(target, CancellationToken.None));
    }

    [DataFact]
    public async Task Outsiders_get_not_found_for_an_org_that_does_not_exist_and_for_one_that_does()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").SuperOrg("other").Member("caller", "beta", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("caller"), tree.Id("beta"));
        var access = scope.ServiceProvider.GetRequiredService<AccessService>();

        var existing = await Assert.ThrowsAsync<OrgNotFoundException>(() => access.DemandAsync(tree.Id("other"), Permission.ViewOrg, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<OrgNotFoundException>(() => access.DemandAsync(OrgIds.New(), Permission.ViewOrg, CancellationToken.None));
        Assert.Equal(existing.Message.Replace(tree.Id("other"), "X", StringComparison.Ordinal), missing.Message.Replace(missing.OrgId, "X", StringComparison.Ordinal));
    }

    [DataFact]
    public async Task Acting_as_a_child_limits_the_scope_to_that_child()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme").Member("caller", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("caller"), tree.Id("acme"), actingOrgId: tree.Id("beta"));
        var access = scope.ServiceProvider.GetRequiredService<AccessService>();

        Assert.True(await access.CanAsync(tree.Id("beta"), Permission.ManageFeatures, CancellationToken.None));
        Assert.Equal(Permission.None, await access.GetPermissionsAsync(tree.Id("gamma"), CancellationToken.None));
        Assert.Equal(Permission.None, await access.GetPermissionsAsync(tree.Id("acme"), CancellationToken.None));
    }

    [DataFact]
    public async Task Anonymous_callers_hold_nothing()
    {
        var tree = Tree.In(database).SuperOrg("acme");
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        var access = scope.ServiceProvider.GetRequiredService<AccessService>();

        Assert.Equal(Permission.None, await access.GetPermissionsAsync(tree.Id("acme"), CancellationToken.None));
    }

    private (Tree Tree, string HomeOrg, string Target) Arrange(string roleId, Relation relation)
    {
        var tree = Tree.In(database).SuperOrg("root").SuperOrg("elsewhere");
        switch (relation)
        {
            case Relation.Self:
                tree.Child("member-org", "root").Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("member-org"));
            case Relation.Ancestor:
                tree.Child("member-org", "root").Child("target", "member-org").Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            case Relation.Descendant:
                tree.Child("target", "root").Child("member-org", "target").Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            case Relation.Sibling:
                tree.Child("member-org", "root").Child("target", "root").Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            case Relation.Unrelated:
                tree.Child("member-org", "root").Child("target", "elsewhere").Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            case Relation.SuspendedSelf:
                tree.Child("member-org", "root", OrgStatus.Suspended).Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("member-org"));
            case Relation.AncestorOfSuspended:
                tree.Child("member-org", "root").Child("target", "member-org", OrgStatus.Suspended).Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            case Relation.AncestorOfClosed:
                tree.Child("member-org", "root").Child("target", "member-org", OrgStatus.Closed).Member("caller", "member-org", roleId);
                return (tree, tree.Id("member-org"), tree.Id("target"));
            default:
                throw new ArgumentOutOfRangeException(nameof(relation));
        }
    }

    public void Dispose() => database.Dispose();
}
