using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Members;
using Portal.Organizations;

namespace Portal.Access;

/// <summary>
/// A user acting on behalf of a descendant org in the portal. Stored, so the choice survives reloads and new tabs,
/// and so every session has a start and an end in the audit log.
/// </summary>
public sealed class ActAsSession : IOrgOwned
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required Guid UserId { get; init; }
    public required string HomeOrgId { get; init; }

    /// <summary>The org acted as.</summary>
    public required string OrgId { get; init; }
    public string? Reason { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; set; }
}

internal sealed class ActAsSessionConfiguration : IEntityTypeConfiguration<ActAsSession>
{
    public void Configure(EntityTypeBuilder<ActAsSession> session)
    {
        session.ToTable("ActAsSessions");
        session.HasKey(s => s.Id);
        session.Property(s => s.HomeOrgId).HasMaxLength(36);
        session.Property(s => s.OrgId).HasMaxLength(36);
        session.Property(s => s.Reason).HasMaxLength(ActAsService.MaxReasonLength);
        session.HasIndex(s => new { s.UserId, s.EndedAt });
        session.HasOne<PortalUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        session.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrgId).OnDelete(DeleteBehavior.Cascade);
    }
}
