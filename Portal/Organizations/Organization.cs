namespace Portal.Organizations;

public enum OrgStatus
{
    Active = 0,
    Suspended = 1,
    Closed = 2,
}

public enum BillingMode
{
    BilledToParent = 0,
    BilledToSelf = 1,
}

public sealed class Organization
{
    public const int MaxNameLength = 100;

    public required string Id { get; init; }
    public required string Name
    {
        get;
        set
        {
            field = value;
            NameKey = KeyOf(value);
        }
    }

    /// <summary>The name folded for the "unique among siblings" rule.</summary>
    public string NameKey { get; private set; } = "";
    public string? ParentId { get; set; }

    /// <summary>0 for a top-level org, 1 for its children, and so on.</summary>
    public int Depth { get; set; }
    public OrgStatus Status { get; set; }
    public BillingMode BillingMode { get; set; }
    public DateTime CreatedAt { get; init; }

    /// <summary>Policy: whoever acts as this org (or a descendant) must say why.</summary>
    public bool RequireActAsReason { get; set; }

    /// <summary>Optimistic concurrency token, bumped by every change.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();

    public static string KeyOf(string name) => name.Trim().ToUpperInvariant();
}

/// <summary>
/// Closure table: one row per (ancestor, descendant) pair, including each org with itself at distance 0,
/// so "is A an ancestor of B" and "the subtree of A" are single indexed lookups.
/// </summary>
public sealed class OrgAncestry
{
    public required string AncestorId { get; init; }
    public required string DescendantId { get; init; }
    public int Distance { get; init; }
}

public sealed class OrgHierarchyOptions
{
    public const string Section = "Organizations";

    /// <summary>
    /// The deepest level a child org may sit at. 1 is the reference's policy: a super org (level 0) and its
    /// child orgs (level 1), each with its own users. Raise it for resellers of resellers.
    /// </summary>
    public int MaxDepth { get; set; } = 1;
}
