using Portal.Access;
using Portal.Data;
using Portal.Members;
using Portal.Organizations;

namespace Portal.Tests.TestSupport;

/// <summary>
/// Builds org trees and members straight into a test database:
/// <c>Tree.In(db).SuperOrg("acme").Child("beta", under: "acme").Member("ann", "beta", BuiltInRoles.AdminId)</c>.
/// Names double as keys: <see cref="Id"/> gives the org id of a name.
/// </summary>
public sealed class Tree(TestDatabase database)
{
    private readonly Dictionary<string, Organization> orgs = [];
    private readonly Dictionary<string, PortalUser> users = [];
    private readonly DateTime createdAt = new(2026, 1, 1, 9, 0, 0, DateTimeKind.Utc);

    public static Tree In(TestDatabase database) => new(database);

    public string Id(string orgName) => orgs[orgName].Id;

    public Guid UserId(string userName) => users[userName].Id;

    public Tree SuperOrg(string name, OrgStatus status = OrgStatus.Active) => Add(name, null, status);

    public Tree Child(string name, string under, OrgStatus status = OrgStatus.Active) => Add(name, under, status);

    public Tree Member(string userName, string orgName, string roleId)
    {
        using var db = database.CreateDbContext();
        if (!users.TryGetValue(userName, out var user))
        {
            user = new PortalUser
            {
                Issuer = "test",
                Subject = userName,
                Email = $"{userName}@example.test",
                DisplayName = userName,
                CreatedAt = createdAt,
            };
            db.Users.Add(user);
            users[userName] = user;
        }

        db.Memberships.Add(new Membership { UserId = user.Id, OrgId = Id(orgName), RoleId = roleId, CreatedAt = createdAt });
        db.SaveChanges();
        return this;
    }

    public Tree Role(string roleId, string orgName, Permission permissions)
    {
        using var db = database.CreateDbContext();
        db.Roles.Add(new Role { Id = roleId, Name = roleId, OrgId = Id(orgName), Permissions = permissions });
        db.SaveChanges();
        return this;
    }

    private Tree Add(string name, string? parentName, OrgStatus status)
    {
        using var db = database.CreateDbContext();
        var parent = parentName is null ? null : orgs[parentName];
        var org = new Organization
        {
            Id = OrgIds.Deterministic("test:" + name + ":" + Guid.NewGuid()),
            Name = name,
            ParentId = parent?.Id,
            Depth = parent is null ? 0 : parent.Depth + 1,
            Status = status,
            CreatedAt = createdAt,
        };
        db.Organizations.Add(org);
        db.OrgAncestries.Add(new OrgAncestry { AncestorId = org.Id, DescendantId = org.Id, Distance = 0 });
        if (parent is not null)
        {
            db.OrgAncestries.AddRange(db.OrgAncestries.Where(a => a.DescendantId == parent.Id).ToList()
                .Select(a => new OrgAncestry { AncestorId = a.AncestorId, DescendantId = org.Id, Distance = a.Distance + 1 }));
        }

        db.SaveChanges();
        orgs[name] = org;
        return this;
    }
}
