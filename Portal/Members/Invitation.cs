using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Access;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Members;

/// <summary>
/// An invitation to join an org with a role, addressed to an email. It is bound to the user who first signs in
/// with that verified email (or who opens its link while signed in with it).
/// </summary>
public sealed class Invitation : IOrgOwned
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string OrgId { get; init; }
    public required string Email
    {
        get;
        init
        {
            field = value.Trim();
            EmailKey = KeyOf(value);
        }
    }

    /// <summary>Upper-cased email, for matching whatever case the provider reports.</summary>
    public string EmailKey { get; private set; } = "";
    public required string RoleId { get; set; }

    /// <summary>SHA-256 of the token in the invitation link; the token itself is never stored.</summary>
    public required string TokenHash { get; init; }
    public Guid? InvitedByUserId { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public DateTime? AcceptedAt { get; set; }
    public Guid? AcceptedByUserId { get; set; }
    public DateTime? RevokedAt { get; set; }

    public bool IsPendingAt(DateTime now) => AcceptedAt is null && RevokedAt is null && ExpiresAt > now;

    public static string KeyOf(string email) => email.Trim().ToUpperInvariant();
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.HasKey(i => i.Id);
        invitation.Property(i => i.OrgId).HasMaxLength(36);
        invitation.Property(i => i.Email).HasMaxLength(256);
        invitation.Property(i => i.EmailKey).HasMaxLength(256);
        invitation.Property(i => i.RoleId).HasMaxLength(64);
        invitation.Property(i => i.TokenHash).HasMaxLength(64);
        invitation.HasIndex(i => i.TokenHash).IsUnique();
        invitation.HasIndex(i => new { i.EmailKey, i.AcceptedAt });
        invitation.HasIndex(i => i.OrgId);
        invitation.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrgId).OnDelete(DeleteBehavior.Cascade);
        invitation.HasOne<Role>().WithMany().HasForeignKey(i => i.RoleId).OnDelete(DeleteBehavior.Restrict);
    }
}
