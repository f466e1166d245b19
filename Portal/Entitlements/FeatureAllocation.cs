using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Entitlements;

/// <summary>
/// An org's own settings for one catalog item. <see cref="Enabled"/> and <see cref="MonthlyCreditLimit"/> are given to the
/// org by its parent (a top-level org holds them itself); <see cref="IncludedForNewChildren"/> is the org's own choice of
/// what its new child orgs start with. No row means off. What the org may really use is the effective state:
/// its own <see cref="Enabled"/> and that of every ancestor.
/// </summary>
public sealed class FeatureAllocation : IOrgOwned
{
    public required string OrgId { get; init; }
    public required string ItemKey { get; init; }
    public bool Enabled { get; set; }

    /// <summary>Credits the org's whole subtree may spend on this item per calendar month (UTC); null is no limit of its own.</summary>
    public long? MonthlyCreditLimit { get; set; }
    public bool IncludedForNewChildren { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class FeatureAllocationConfiguration : IEntityTypeConfiguration<FeatureAllocation>
{
    public void Configure(EntityTypeBuilder<FeatureAllocation> allocation)
    {
        allocation.ToTable("FeatureAllocations");
        allocation.HasKey(a => new { a.OrgId, a.ItemKey });
        allocation.Property(a => a.OrgId).HasMaxLength(36);
        allocation.Property(a => a.ItemKey).HasMaxLength(CatalogItem.MaxKeyLength);
        // No foreign key to the catalog: the demo seed writes allocations before the first catalog sync, and catalog
        // items are retired rather than deleted, so keys never dangle once synced.
        allocation.HasIndex(a => a.ItemKey);
        allocation.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrgId).OnDelete(DeleteBehavior.Cascade);
    }
}
