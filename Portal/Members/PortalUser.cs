namespace Portal.Members;

/// <summary>A person, keyed by the identity provider's (issuer, subject); name and email come from the provider.</summary>
public sealed class PortalUser
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required string Issuer { get; init; }
    public required string Subject { get; init; }
    public required string Email { get; set; }
    public required string DisplayName { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? LastSeenAt { get; set; }
}

/// <summary>A user's role in one org. A user may belong to several orgs.</summary>
public sealed class Membership : Data.IOrgOwned
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public required Guid UserId { get; init; }
    public required string OrgId { get; init; }
    public required string RoleId { get; set; }
    public DateTime CreatedAt { get; init; }

    public PortalUser? User { get; init; }
}
