using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Billing;

/// <summary>A monthly credit limit set on an org by its parent; it counts the org's whole subtree.</summary>
public sealed class SpendLimit : IOrgOwned
{
    public required string OrgId { get; init; }
    public long MonthlyCredits { get; set; }

    /// <summary>When reached, the decision service refuses further use until the next period or a raised limit.</summary>
    public bool HardStop { get; set; }
    public string? AlertWebhookUrl { get; set; }

    /// <summary>The webhook's signing secret, encrypted (see <see cref="WebhookSigning"/>); set while there is a webhook.</summary>
    public string? AlertWebhookSecret { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A threshold crossed in one period: recorded once, shown in the portal, sent to the webhook when set.</summary>
public sealed class SpendAlert : IOrgOwned
{
    public long Id { get; init; }
    public required string OrgId { get; init; }
    public DateTime Period { get; init; }
    public int ThresholdPercent { get; init; }
    public long CreditsUsed { get; init; }
    public long Limit { get; init; }
    public DateTime At { get; init; }
    public DateTime? WebhookDeliveredAt { get; set; }
    public string? WebhookError { get; set; }
}

internal sealed class SpendLimitConfiguration : IEntityTypeConfiguration<SpendLimit>
{
    public void Configure(EntityTypeBuilder<SpendLimit> limit)
    {
        limit.ToTable("SpendLimits");
        limit.HasKey(l => l.OrgId);
        limit.Property(l => l.OrgId).HasMaxLength(36);
        limit.Property(l => l.AlertWebhookUrl).HasMaxLength(2048);
        limit.Property(l => l.AlertWebhookSecret).HasMaxLength(1000);
        limit.HasOne<Organization>().WithOne().HasForeignKey<SpendLimit>(l => l.OrgId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SpendAlertConfiguration : IEntityTypeConfiguration<SpendAlert>
{
    public void Configure(EntityTypeBuilder<SpendAlert> alert)
    {
        alert.ToTable("SpendAlerts");
        alert.HasKey(a => a.Id);
        alert.Property(a => a.OrgId).HasMaxLength(36);
        alert.Property(a => a.WebhookError).HasMaxLength(500);
        alert.HasIndex(a => new { a.OrgId, a.Period, a.ThresholdPercent }).IsUnique();
        alert.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrgId).OnDelete(DeleteBehavior.Cascade);
    }
}
