using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Usage;

/// <summary>
/// One metered use, as posted by the platform's metering. Idempotent on (org, event id): a retried event is a duplicate,
/// never a second charge. Dashboards and billing never read these rows; they read <see cref="UsageRollup"/>.
/// </summary>
public sealed class UsageEvent : IOrgOwned
{
    public const int MaxEventIdLength = 128;

    public long Id { get; init; }
    public required string OrgId { get; init; }
    public required string EventId { get; init; }
    public required string Activity { get; init; }
    public long Credits { get; init; }
    public DateTime OccurredAt { get; init; }
    public DateTime ReceivedAt { get; init; }
    public string? ApiKeyId { get; init; }

    /// <summary>The org the caller acted as (x-assume-org) when it posted this event.</summary>
    public string? AssumedOrgId { get; init; }
}

/// <summary>Credits per org, activity and UTC day, kept up to date as events arrive (late ones included).</summary>
public sealed class UsageRollup : IOrgOwned
{
    public required string OrgId { get; init; }
    public required string Activity { get; init; }
    public DateTime Day { get; init; }
    public long Credits { get; set; }
    public long Events { get; set; }
}

internal sealed class UsageEventConfiguration : IEntityTypeConfiguration<UsageEvent>
{
    public void Configure(EntityTypeBuilder<UsageEvent> usage)
    {
        usage.ToTable("UsageEvents");
        usage.HasKey(e => e.Id);
        usage.Property(e => e.OrgId).HasMaxLength(36);
        usage.Property(e => e.EventId).HasMaxLength(UsageEvent.MaxEventIdLength);
        usage.Property(e => e.Activity).HasMaxLength(32);
        usage.Property(e => e.ApiKeyId).HasMaxLength(64);
        usage.Property(e => e.AssumedOrgId).HasMaxLength(36);
        usage.HasIndex(e => new { e.OrgId, e.EventId }).IsUnique();
        usage.HasOne<Organization>().WithMany().HasForeignKey(e => e.OrgId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class UsageRollupConfiguration : IEntityTypeConfiguration<UsageRollup>
{
    public void Configure(EntityTypeBuilder<UsageRollup> rollup)
    {
        rollup.ToTable("UsageRollups");
        rollup.HasKey(r => new { r.OrgId, r.Activity, r.Day });
        rollup.Property(r => r.OrgId).HasMaxLength(36);
        rollup.Property(r => r.Activity).HasMaxLength(32);
        rollup.HasIndex(r => new { r.Day, r.OrgId });
        rollup.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrgId).OnDelete(DeleteBehavior.Restrict);
    }
}
