using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Audit;
using Portal.Members;
using Portal.Organizations;

namespace Portal.Data;

public sealed record DemoUser(string Email, string DisplayName, string OrgName, string RoleId)
{
    public Guid Id => DemoSeed.StableGuid("user:" + Email);
    public string Subject => Id.ToString("D");
}

/// <summary>
/// The demo tree: the same ids, names and history on every run, so pages, tests and screenshots agree.
/// Dates are anchored to the start of the current month so the history always reaches today.
/// </summary>
public static class DemoSeed
{
    public const string Issuer = Identity.EmbeddedProvider.Issuer;
    public const string SuperOrgName = "Acme Audio Platform";
    public const string OtherSuperOrgName = "Zenith Voice Labs";

    public static readonly IReadOnlyList<DemoOrg> Orgs =
    [
        new(SuperOrgName, null, OrgStatus.Active, MonthsAgo: 14),
        new("Beacon Podcasts", SuperOrgName, OrgStatus.Active, MonthsAgo: 12),
        new("Cobalt Learning", SuperOrgName, OrgStatus.Active, MonthsAgo: 9),
        new("Dune Radio", SuperOrgName, OrgStatus.Active, MonthsAgo: 6),
        new("Echo Games", SuperOrgName, OrgStatus.Suspended, MonthsAgo: 8),
        new("Fable Kids", SuperOrgName, OrgStatus.Active, MonthsAgo: 1),
        new("Gamma News", SuperOrgName, OrgStatus.Closed, MonthsAgo: 11),
        new(OtherSuperOrgName, null, OrgStatus.Active, MonthsAgo: 10),
        new("Zenith Audiobooks", OtherSuperOrgName, OrgStatus.Active, MonthsAgo: 7),
        new("Zenith Ads", OtherSuperOrgName, OrgStatus.Active, MonthsAgo: 5),
    ];

    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new("ada@acme.test", "Ada Lovelace", SuperOrgName, BuiltInRoles.OwnerId),
        new("ben@acme.test", "Ben Okafor", SuperOrgName, BuiltInRoles.AdminId),
        new("chloe@acme.test", "Chloé Martin", SuperOrgName, BuiltInRoles.DeveloperId),
        new("dmitri@acme.test", "Dmitri Volkov", SuperOrgName, BuiltInRoles.BillingId),
        new("eve@acme.test", "Eve Tanaka", SuperOrgName, BuiltInRoles.ViewerId),
        new("grace@beacon.test", "Grace Hopper", "Beacon Podcasts", BuiltInRoles.OwnerId),
        new("hugo@beacon.test", "Hugo Lindqvist", "Beacon Podcasts", BuiltInRoles.AdminId),
        new("ines@beacon.test", "Inès Duarte", "Beacon Podcasts", BuiltInRoles.DeveloperId),
        new("jamal@beacon.test", "Jamal Carter", "Beacon Podcasts", BuiltInRoles.DeveloperId),
        new("kim@beacon.test", "Kim Soo-ah", "Beacon Podcasts", BuiltInRoles.BillingId),
        new("leo@beacon.test", "Leo Rossi", "Beacon Podcasts", BuiltInRoles.ViewerId),
        new("maya@cobalt.test", "Maya Patel", "Cobalt Learning", BuiltInRoles.OwnerId),
        new("noah@cobalt.test", "Noah Schmidt", "Cobalt Learning", BuiltInRoles.DeveloperId),
        new("olga@cobalt.test", "Olga Ivanova", "Cobalt Learning", BuiltInRoles.ViewerId),
        new("pia@dune.test", "Pia Nilsen", "Dune Radio", BuiltInRoles.OwnerId),
        new("quinn@echo.test", "Quinn Murphy", "Echo Games", BuiltInRoles.OwnerId),
        new("rosa@echo.test", "Rosa Alvarez", "Echo Games", BuiltInRoles.DeveloperId),
        new("sam@fable.test", "Sam Wright", "Fable Kids", BuiltInRoles.OwnerId),
        new("tara@gamma.test", "Tara Singh", "Gamma News", BuiltInRoles.OwnerId),
        new("uma@zenith.test", "Uma Adeyemi", OtherSuperOrgName, BuiltInRoles.OwnerId),
        new("victor@zenith.test", "Victor Hugo", "Zenith Audiobooks", BuiltInRoles.AdminId),
    ];

    public static DemoUser Owner => Users[0];

    public static DemoUser UserByEmail(string email) => Users.Single(u => u.Email == email);

    public static string OrgId(string name) => OrgIds.Deterministic("demo:" + name);

    public static async Task SeedAsync(PortalDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var superOrgId = OrgId(SuperOrgName);
        if (await db.Organizations.IgnoreQueryFilters().AnyAsync(o => o.Id == superOrgId, ct))
        {
            return;
        }

        var monthStart = StartOfMonth(clock.GetUtcNow().UtcDateTime);
        var created = new Dictionary<string, Organization>();
        foreach (var demo in Orgs)
        {
            var parent = demo.ParentName is null ? null : created[demo.ParentName];
            var org = new Organization
            {
                Id = OrgId(demo.Name),
                Name = demo.Name,
                ParentId = parent?.Id,
                Depth = parent is null ? 0 : parent.Depth + 1,
                Status = demo.Status,
                CreatedAt = monthStart.AddMonths(-demo.MonthsAgo).AddDays(demo.Name.Length % 20).AddHours(9),
            };
            created[demo.Name] = org;
            db.Organizations.Add(org);
            db.OrgAncestries.Add(new OrgAncestry { AncestorId = org.Id, DescendantId = org.Id, Distance = 0 });
            for (var (ancestor, distance) = (parent, 1); ancestor is not null; ancestor = Parent(ancestor), distance++)
            {
                db.OrgAncestries.Add(new OrgAncestry { AncestorId = ancestor.Id, DescendantId = org.Id, Distance = distance });
            }

            var actor = RootOwner(demo.Name);
            db.AuditEntries.Add(DemoAudit(actor, org.CreatedAt, org.Id, "org.created", new { org.Name, org.ParentId }));
            if (org.Status != OrgStatus.Active)
            {
                db.AuditEntries.Add(DemoAudit(actor, org.CreatedAt.AddDays(40), org.Id, "org.status_changed",
                    new { Status = org.Status.ToString() }));
            }
        }

        foreach (var demo in Users)
        {
            var org = created[demo.OrgName];
            var joined = org.CreatedAt.AddDays(1 + (demo.Email.Length % 9));
            db.Users.Add(new PortalUser
            {
                Id = demo.Id,
                Issuer = Issuer,
                Subject = demo.Subject,
                Email = demo.Email,
                DisplayName = demo.DisplayName,
                CreatedAt = joined,
            });
            db.Memberships.Add(new Membership
            {
                Id = StableGuid("membership:" + demo.Email),
                UserId = demo.Id,
                OrgId = org.Id,
                RoleId = demo.RoleId,
                CreatedAt = joined,
            });
            db.AuditEntries.Add(DemoAudit(RootOwner(demo.OrgName), joined, org.Id, "member.added", new { demo.Email, Role = demo.RoleId }));
        }

        await db.SaveChangesAsync(ct);
        await Usage.DemoUsage.SeedAsync(db, clock, ct);

        Organization? Parent(Organization org) => org.ParentId is null ? null : created.Values.Single(o => o.Id == org.ParentId);
    }

    public static Guid StableGuid(string seed) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes("portal-demo:" + seed)).AsSpan(0, 16));

    private static DateTime StartOfMonth(DateTime now) => new(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The owner of the top-level org above (or at) the named org: the one who built that tree.</summary>
    private static DemoUser RootOwner(string orgName)
    {
        var root = Orgs.Single(o => o.Name == orgName);
        while (root.ParentName is not null)
        {
            root = Orgs.Single(o => o.Name == root.ParentName);
        }

        return Users.First(u => u.OrgName == root.Name && u.RoleId == BuiltInRoles.OwnerId);
    }

    private static AuditEntry DemoAudit(DemoUser actor, DateTime at, string orgId, string action, object after) => new()
    {
        At = at,
        ActorName = actor.DisplayName,
        ActorUserId = actor.Id,
        HomeOrgId = OrgId(actor.OrgName),
        TargetOrgId = orgId,
        Action = action,
        After = System.Text.Json.JsonSerializer.Serialize(after),
        Source = AuditSource.Portal,
    };

    public sealed record DemoOrg(string Name, string? ParentName, OrgStatus Status, int MonthsAgo);
}
