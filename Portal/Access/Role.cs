namespace Portal.Access;

/// <summary>A named permission set. Built-in roles belong to no org; custom roles belong to the org that defined them.</summary>
public sealed class Role
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public string? OrgId { get; init; }
    public Permission Permissions { get; set; }
    public bool IsBuiltIn => OrgId is null;
}

public static class BuiltInRoles
{
    public const string OwnerId = "owner";
    public const string AdminId = "admin";
    public const string DeveloperId = "developer";
    public const string BillingId = "billing";
    public const string ViewerId = "viewer";

    public static readonly Role Owner = new() { Id = OwnerId, Name = "Owner", Permissions = Access.Permissions.All };

    public static readonly Role Admin = new()
    {
        Id = AdminId,
        Name = "Admin",
        Permissions = Access.Permissions.All & ~Permission.ManageBilling,
    };

    public static readonly Role Developer = new()
    {
        Id = DeveloperId,
        Name = "Developer",
        Permissions = Permission.ViewOrg | Permission.ManageApiKeys | Permission.ViewUsage,
    };

    public static readonly Role Billing = new()
    {
        Id = BillingId,
        Name = "Billing",
        Permissions = Permission.ViewOrg | Permission.ViewUsage | Permission.ViewBilling | Permission.ManageBilling,
    };

    public static readonly Role Viewer = new()
    {
        Id = ViewerId,
        Name = "Viewer",
        Permissions = Permission.ViewOrg | Permission.ViewUsage,
    };

    public static IReadOnlyList<Role> All { get; } = [Owner, Admin, Developer, Billing, Viewer];

    public static Role? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
