using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Audit;
using Portal.Members;
using Portal.Organizations;

namespace Portal.Data;

/// <summary>
/// The portal's database. Provider-specific subclasses (one per migrations set) only pick the provider.
/// <see cref="ScopeOrgId"/> is the backstop of tenant isolation: when set, tenant-owned rows outside that
/// org's subtree are filtered out of every query.
/// </summary>
public abstract class PortalDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public string? ScopeOrgId { get; set; }

    /// <summary>Set by the audit chain interceptor when it opened the transaction it must finish.</summary>
    internal bool OwnsAuditTransaction { get; set; }

    private static readonly Audit.AuditChainInterceptor AuditChainInterceptor = new();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.AddInterceptors(AuditChainInterceptor);

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<OrgAncestry> OrgAncestries => Set<OrgAncestry>();
    public DbSet<PortalUser> Users => Set<PortalUser>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Invitation> Invitations => Set<Invitation>();

    /// <summary>The Data Protection key ring, so sessions survive restarts and are shared by instances.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>True when <paramref name="orgId"/> is inside the scope (or no scope is set).</summary>
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Organization>(org =>
        {
            org.HasKey(o => o.Id);
            org.Property(o => o.Id).HasMaxLength(36);
            org.Property(o => o.Name).HasMaxLength(Organization.MaxNameLength);
            org.Property(o => o.ParentId).HasMaxLength(36);
            org.Property(o => o.Version).IsConcurrencyToken();
            org.HasOne<Organization>().WithMany().HasForeignKey(o => o.ParentId).OnDelete(DeleteBehavior.Restrict);
            org.Property(o => o.NameKey).HasMaxLength(Organization.MaxNameLength);
            org.HasIndex(o => new { o.ParentId, o.NameKey }).IsUnique();
            org.HasIndex(o => o.Name);
            org.HasQueryFilter(o => ScopeOrgId == null
                || OrgAncestries.Any(a => a.AncestorId == ScopeOrgId && a.DescendantId == o.Id));
        });

        modelBuilder.Entity<OrgAncestry>(closure =>
        {
            closure.HasKey(a => new { a.AncestorId, a.DescendantId });
            closure.HasIndex(a => new { a.DescendantId, a.Distance });
            closure.Property(a => a.AncestorId).HasMaxLength(36);
            closure.Property(a => a.DescendantId).HasMaxLength(36);
            closure.HasOne<Organization>().WithMany().HasForeignKey(a => a.AncestorId).OnDelete(DeleteBehavior.Cascade);
            closure.HasOne<Organization>().WithMany().HasForeignKey(a => a.DescendantId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PortalUser>(user =>
        {
            user.HasKey(u => u.Id);
            user.Property(u => u.Issuer).HasMaxLength(256);
            user.Property(u => u.Subject).HasMaxLength(256);
            user.Property(u => u.Email).HasMaxLength(256);
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.HasIndex(u => new { u.Issuer, u.Subject }).IsUnique();
            user.HasIndex(u => u.Email);
        });

        modelBuilder.Entity<Membership>(membership =>
        {
            membership.HasKey(m => m.Id);
            membership.Property(m => m.OrgId).HasMaxLength(36);
            membership.Property(m => m.RoleId).HasMaxLength(64);
            membership.HasIndex(m => new { m.UserId, m.OrgId }).IsUnique();
            membership.HasIndex(m => m.OrgId);
            membership.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            membership.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrgId).OnDelete(DeleteBehavior.Cascade);
            membership.HasOne<Role>().WithMany().HasForeignKey(m => m.RoleId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Role>(role =>
        {
            role.HasKey(r => r.Id);
            role.Property(r => r.Id).HasMaxLength(64);
            role.Property(r => r.Name).HasMaxLength(64);
            role.Property(r => r.OrgId).HasMaxLength(36);
            role.Ignore(r => r.IsBuiltIn);
            role.Property(r => r.Permissions).HasConversion<long>();
            role.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrgId).OnDelete(DeleteBehavior.Cascade);
            role.HasData(BuiltInRoles.All.Select(r => new Role { Id = r.Id, Name = r.Name, Permissions = r.Permissions }));
        });

        modelBuilder.Entity<AuditEntry>(audit =>
        {
            audit.HasKey(a => a.Id);
            audit.Property(a => a.ActorName).HasMaxLength(256);
            audit.Property(a => a.ActorApiKeyId).HasMaxLength(64);
            audit.Property(a => a.HomeOrgId).HasMaxLength(36);
            audit.Property(a => a.ActingOrgId).HasMaxLength(36);
            audit.Property(a => a.TargetOrgId).HasMaxLength(36);
            audit.Property(a => a.Action).HasMaxLength(100);
            audit.Property(a => a.ClientAddress).HasMaxLength(64);
            audit.HasIndex(a => new { a.TargetOrgId, a.At });
            audit.HasIndex(a => a.At);
            audit.HasIndex(a => a.Sequence).IsUnique();
            audit.Property(a => a.PreviousHash).HasMaxLength(64);
            audit.Property(a => a.Hash).HasMaxLength(64);
            audit.HasQueryFilter(a => ScopeOrgId == null
                || OrgAncestries.Any(x => x.AncestorId == ScopeOrgId && x.DescendantId == a.TargetOrgId));
        });

        // The embedded OpenID Connect provider's applications, authorizations, scopes and tokens (Identity/).
        modelBuilder.UseOpenIddict();

        // Feature folders configure their own entities (IEntityTypeConfiguration<T> classes beside them).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

        foreach (var entityType in modelBuilder.Model.GetEntityTypes()
                     .Where(t => typeof(IOrgOwned).IsAssignableFrom(t.ClrType) && t.BaseType is null))
        {
            ApplyTenantFilterMethod.MakeGenericMethod(entityType.ClrType).Invoke(this, [modelBuilder]);
        }
    }

    private static readonly System.Reflection.MethodInfo ApplyTenantFilterMethod =
        typeof(PortalDbContext).GetMethod(nameof(ApplyTenantFilter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;

    private void ApplyTenantFilter<TEntity>(ModelBuilder modelBuilder)
        where TEntity : class, IOrgOwned =>
        modelBuilder.Entity<TEntity>().HasQueryFilter(e => ScopeOrgId == null
            || OrgAncestries.Any(a => a.AncestorId == ScopeOrgId && a.DescendantId == e.OrgId));

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }
}
