namespace Portal.Audit;

public enum AuditSource
{
    Portal = 0,
    Api = 1,
    System = 2,
}

/// <summary>One change or one act-as start/stop. Append-only: nothing updates or deletes these rows.</summary>
public sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public Guid? ActorUserId { get; init; }
    public string? ActorApiKeyId { get; init; }
    public required string ActorName { get; init; }
    public string? HomeOrgId { get; init; }
    public string? ActingOrgId { get; init; }
    public required string TargetOrgId { get; init; }
    public required string Action { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public AuditSource Source { get; init; }
    public string? ClientAddress { get; init; }

    /// <summary>Position in the tamper-evident chain: 1, 2, 3... across the whole log (unique).</summary>
    public long Sequence { get; set; }

    /// <summary>The <see cref="Hash"/> of the entry at Sequence - 1 ("" for the first).</summary>
    public string PreviousHash { get; set; } = "";

    /// <summary>SHA-256 over this entry's content and <see cref="PreviousHash"/>.</summary>
    public string Hash { get; set; } = "";
}
