using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Identity;

public sealed record MyMembership(string OrgId, string OrgName, OrgStatus OrgStatus, string RoleName);

public sealed record MyAccount(
    string DisplayName,
    string Email,
    string SignedInThrough,
    bool CanChangePassword,
    IReadOnlyList<MyMembership> Memberships);

/// <summary>The signed-in person's own account: who they are, where they belong, their password (local accounts).</summary>
public sealed class AccountService(
    TenantContext tenant,
    IDbContextFactory<PortalDbContext> dbFactory,
    IServiceScopeFactory scopes,
    IOptions<PortalAuthenticationOptions> settings)
{
    public async Task<MyAccount?> GetMyAccountAsync(CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.UserId is not { } userId)
        {
            return null;
        }

        // Unscoped on purpose: these are the caller's own memberships, which may span unrelated org trees.
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return null;
        }

        var memberships = await db.Memberships
            .Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.OrgId, o => o.Id, (m, o) => new { m.RoleId, Org = o })
            .Join(db.Roles, x => x.RoleId, r => r.Id, (x, r) => new MyMembership(x.Org.Id, x.Org.Name, x.Org.Status, r.Name))
            .ToListAsync(ct);

        var local = IsLocal(user.Issuer);
        return new MyAccount(
            user.DisplayName,
            user.Email,
            local ? "this portal's own accounts" : user.Issuer,
            local,
            memberships.OrderBy(m => m.OrgName, StringComparer.CurrentCultureIgnoreCase).ToList());
    }

    /// <summary>Local accounts only. Returns the reasons the change was refused, or nothing on success.</summary>
    public async Task<IReadOnlyList<string>> ChangePasswordAsync(string? currentPassword, string? newPassword, CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = tenant.UserId is { } userId ? await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct) : null;
        if (user is null || !IsLocal(user.Issuer))
        {
            throw new RuleViolationException("password_not_local", "Your password is managed by your identity provider.");
        }

        // A scope per change: the circuit's own scope lives for hours, Identity's context should not.
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<LocalAccounts>();
        var account = await accounts.FindByIdAsync(user.Subject)
            ?? throw new RuleViolationException("account_missing", "Your sign-in account no longer exists.");
        return await accounts.ChangePasswordAsync(account, currentPassword, newPassword);
    }

    private bool IsLocal(string issuer) => !settings.Value.UsesExternalProvider && issuer == EmbeddedProvider.Issuer;
}
