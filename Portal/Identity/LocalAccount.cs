using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Identity;

/// <summary>
/// A sign-in account of the embedded provider (ASP.NET Core Identity). The portal itself only knows
/// <see cref="Members.PortalUser"/>s, keyed by (issuer, subject); for these accounts the issuer is
/// <see cref="EmbeddedProvider.Issuer"/> and the subject is <see cref="IdentityUser.Id"/>.
/// </summary>
public sealed class LocalAccount : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>Set for accounts created with a one-time password: the provider asks for a new one first.</summary>
    public bool MustChangePassword { get; set; }
}

internal sealed class LocalAccountConfiguration : IEntityTypeConfiguration<LocalAccount>
{
    public void Configure(EntityTypeBuilder<LocalAccount> account)
    {
        account.ToTable("LocalAccounts");
        account.HasKey(a => a.Id);
        account.Property(a => a.Id).HasMaxLength(36);
        account.Property(a => a.UserName).HasMaxLength(256);
        account.Property(a => a.NormalizedUserName).HasMaxLength(256);
        account.Property(a => a.Email).HasMaxLength(256);
        account.Property(a => a.NormalizedEmail).HasMaxLength(256);
        account.Property(a => a.DisplayName).HasMaxLength(200);
        account.Property(a => a.ConcurrencyStamp).IsConcurrencyToken();
        account.HasIndex(a => a.NormalizedUserName).IsUnique();
        account.HasIndex(a => a.NormalizedEmail).IsUnique();
        account.HasMany<IdentityUserClaim<string>>().WithOne().HasForeignKey(c => c.UserId).IsRequired();
        account.HasMany<IdentityUserLogin<string>>().WithOne().HasForeignKey(l => l.UserId).IsRequired();
        account.HasMany<IdentityUserToken<string>>().WithOne().HasForeignKey(t => t.UserId).IsRequired();
    }
}

internal sealed class LocalAccountClaimConfiguration : IEntityTypeConfiguration<IdentityUserClaim<string>>
{
    public void Configure(EntityTypeBuilder<IdentityUserClaim<string>> claim)
    {
        claim.ToTable("LocalAccountClaims");
        claim.HasKey(c => c.Id);
        claim.Property(c => c.UserId).HasMaxLength(36);
    }
}

internal sealed class LocalAccountLoginConfiguration : IEntityTypeConfiguration<IdentityUserLogin<string>>
{
    public void Configure(EntityTypeBuilder<IdentityUserLogin<string>> login)
    {
        login.ToTable("LocalAccountLogins");
        login.HasKey(l => new { l.LoginProvider, l.ProviderKey });
        login.Property(l => l.LoginProvider).HasMaxLength(128);
        login.Property(l => l.ProviderKey).HasMaxLength(128);
        login.Property(l => l.UserId).HasMaxLength(36);
    }
}

internal sealed class LocalAccountTokenConfiguration : IEntityTypeConfiguration<IdentityUserToken<string>>
{
    public void Configure(EntityTypeBuilder<IdentityUserToken<string>> token)
    {
        token.ToTable("LocalAccountTokens");
        token.HasKey(t => new { t.UserId, t.LoginProvider, t.Name });
        token.Property(t => t.UserId).HasMaxLength(36);
        token.Property(t => t.LoginProvider).HasMaxLength(128);
        token.Property(t => t.Name).HasMaxLength(128);
    }
}
