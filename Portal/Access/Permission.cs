namespace Portal.Access;

/// <summary>What a member may do on an org and, by inheritance, on its descendants.</summary>
[Flags]
#pragma warning disable CA1028 // stored as a 64-bit mask
public enum Permission : long
#pragma warning restore CA1028
{
    None = 0,
    ViewOrg = 1 << 0,
    ManageOrg = 1 << 1,
    ManageMembers = 1 << 2,
    ManageFeatures = 1 << 3,
    ViewUsage = 1 << 4,
    ViewBilling = 1 << 5,
    ManageBilling = 1 << 6,
    ManageApiKeys = 1 << 7,
    ActAsChildOrgs = 1 << 8,
    ManageChildOrgs = 1 << 9,
    ViewAudit = 1 << 10,
}

public static class Permissions
{
    public static readonly Permission All = Enum.GetValues<Permission>().Aggregate(Permission.None, (all, p) => all | p);

    /// <summary>What survives when an org is suspended or closed: reading, never changing.</summary>
    public const Permission ReadOnly = Permission.ViewOrg | Permission.ViewUsage | Permission.ViewBilling | Permission.ViewAudit;

    public static IEnumerable<Permission> Each(this Permission set) =>
        Enum.GetValues<Permission>().Where(p => p != Permission.None && set.HasFlag(p));

    public static bool Includes(this Permission set, Permission wanted) => (set & wanted) == wanted;

    public static string Describe(this Permission permission) => permission switch
    {
        Permission.ViewOrg => "See the org, its children and members",
        Permission.ManageOrg => "Rename the org and change its settings",
        Permission.ManageMembers => "Invite and remove members, change roles",
        Permission.ManageFeatures => "Allocate voices, sound designs, capabilities and activities",
        Permission.ViewUsage => "See usage and its charts",
        Permission.ViewBilling => "See billing statements",
        Permission.ManageBilling => "Set spend limits and billing modes",
        Permission.ManageApiKeys => "Create, rotate and revoke API keys",
        Permission.ActAsChildOrgs => "Act on behalf of child orgs",
        Permission.ManageChildOrgs => "Create, rename, move, suspend and close child orgs",
        Permission.ViewAudit => "Read the audit log",
        _ => permission.ToString(),
    };
}
