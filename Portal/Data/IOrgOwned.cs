namespace Portal.Data;

/// <summary>
/// A row that belongs to one org. <see cref="PortalDbContext"/> gives every such entity the tenant query filter,
/// so rows outside the caller's subtree never leave the database through a <see cref="TenantDb"/> context.
/// </summary>
public interface IOrgOwned
{
    string OrgId { get; }
}
