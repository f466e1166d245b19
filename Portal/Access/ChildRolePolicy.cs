using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Access;

/// <summary>
/// One role that the descendants of <see cref="OrgId"/> may assign. An org with no rows here restricts nothing;
/// an org with rows allows only those roles below it. Restrictions of several ancestors add up.
/// </summary>
public sealed class ChildRolePolicy : IOrgOwned
{
    public required string OrgId { get; init; }
    public required string RoleId { get; init; }
}

internal sealed class ChildRolePolicyConfiguration : IEntityTypeConfiguration<ChildRolePolicy>
{
    public void Configure(EntityTypeBuilder<ChildRolePolicy> policy)
    {
        policy.ToTable("ChildRolePolicies");
        policy.HasKey(p => new { p.OrgId, p.RoleId });
        policy.Property(p => p.OrgId).HasMaxLength(36);
        policy.Property(p => p.RoleId).HasMaxLength(64);
        policy.HasOne<Organization>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        policy.HasOne<Role>().WithMany().HasForeignKey(p => p.RoleId).OnDelete(DeleteBehavior.Cascade);
    }
}
