using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data;
using Portal.Organizations;

namespace Portal.ApiKeys;

/// <summary>
/// A credential of one org for the REST API. Only the SHA-256 of the secret is stored; the secret is shown once.
/// Rotating creates a new key and gives this one an expiry at the end of the grace period.
/// </summary>
public sealed class ApiKey : IOrgOwned
{
    public const int MaxNameLength = 100;

    public required string Id { get; init; }
    public required string OrgId { get; init; }
    public required string Name { get; set; }

    /// <summary>The public start of the secret, shown in lists so people can tell keys apart.</summary>
    public required string Prefix { get; init; }
    public required string SecretHash { get; init; }

    /// <summary>Space-separated, sorted scope names.</summary>
    public required string Scopes { get; init; }
    public DateTime CreatedAt { get; init; }
    public Guid? CreatedByUserId { get; init; }
    public string? CreatedByApiKeyId { get; init; }
    public required string CreatedByName { get; init; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RotatedFromKeyId { get; init; }
    public string? ReplacedByKeyId { get; set; }

    public IReadOnlyList<string> ScopeList => ApiKeyScopes.Parse(Scopes);

    public bool IsUsableAt(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    /// <summary>A key for a known secret (seeding, tests, benchmarks): only its hash and public prefix are kept.</summary>
    public static ApiKey ForSecret(string id, string orgId, string secret, string name, IEnumerable<string> scopes, DateTime createdAt, string createdByName) => new()
    {
        Id = id,
        OrgId = orgId,
        Name = name,
        Prefix = ApiKeySecrets.PrefixOf(secret),
        SecretHash = ApiKeySecrets.Hash(secret),
        Scopes = ApiKeyScopes.Format(scopes),
        CreatedAt = createdAt,
        CreatedByName = createdByName,
    };
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("ApiKeys");
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasMaxLength(36);
        key.Property(k => k.OrgId).HasMaxLength(36);
        key.Property(k => k.Name).HasMaxLength(ApiKey.MaxNameLength);
        key.Property(k => k.Prefix).HasMaxLength(ApiKeySecrets.PrefixLength);
        key.Property(k => k.SecretHash).HasMaxLength(64);
        key.Property(k => k.Scopes).HasMaxLength(512);
        key.Property(k => k.CreatedByApiKeyId).HasMaxLength(36);
        key.Property(k => k.CreatedByName).HasMaxLength(256);
        key.Property(k => k.RotatedFromKeyId).HasMaxLength(36);
        key.Property(k => k.ReplacedByKeyId).HasMaxLength(36);
        key.Ignore(k => k.ScopeList);
        key.HasIndex(k => k.SecretHash).IsUnique();
        key.HasIndex(k => new { k.OrgId, k.CreatedAt });
        key.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrgId).OnDelete(DeleteBehavior.Cascade);
    }
}
