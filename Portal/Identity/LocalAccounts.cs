using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Data;

namespace Portal.Identity;

public enum PasswordSignInOutcome
{
    SignedIn,

    /// <summary>Wrong email, wrong password or locked out: deliberately one outcome, so nobody learns which emails exist.</summary>
    Refused,
}

/// <summary>The embedded provider's accounts: password sign-in with lockout, password changes, account creation.</summary>
public sealed class LocalAccounts(UserManager<LocalAccount> users, SignInManager<LocalAccount> signIn)
{
    public const int MaxFailedAttempts = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(5);

    // Verified against when the email is unknown, so both cases cost the same hashing time.
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<LocalAccount>().HashPassword(new LocalAccount(), RandomPassword()));

    public async Task<PasswordSignInOutcome> PasswordSignInAsync(string? email, string? password)
    {
        var account = string.IsNullOrWhiteSpace(email) ? null : await users.FindByEmailAsync(email.Trim());
        if (account is null || string.IsNullOrEmpty(password))
        {
            users.PasswordHasher.VerifyHashedPassword(new LocalAccount(), DecoyHash.Value, password ?? "");
            return PasswordSignInOutcome.Refused;
        }

        var result = await signIn.PasswordSignInAsync(account, password, isPersistent: false, lockoutOnFailure: true);
        return result.Succeeded ? PasswordSignInOutcome.SignedIn : PasswordSignInOutcome.Refused;
    }

    /// <summary>The account behind the provider's own cookie, unless it was deleted or locked out since.</summary>
    public async Task<LocalAccount?> FindSignedInAsync(ClaimsPrincipal principal)
    {
        var account = await users.GetUserAsync(principal);
        return account is null || await users.IsLockedOutAsync(account) ? null : account;
    }

    public Task<LocalAccount?> FindByIdAsync(string accountId) => users.FindByIdAsync(accountId);

    public Task<LocalAccount?> FindByEmailAsync(string email) => users.FindByEmailAsync(email);

    /// <summary>Changes the password; returns the reasons it was refused, or nothing on success.</summary>
    public async Task<IReadOnlyList<string>> ChangePasswordAsync(LocalAccount account, string? currentPassword, string? newPassword)
    {
        if (string.IsNullOrEmpty(currentPassword) || string.IsNullOrEmpty(newPassword))
        {
            return ["Enter your current password and a new one."];
        }

        if (currentPassword == newPassword)
        {
            return ["Choose a new password that differs from the current one."];
        }

        var result = await users.ChangePasswordAsync(account, currentPassword, newPassword);
        if (!result.Succeeded)
        {
            return result.Errors.Select(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)
                ? "The current password is not correct."
                : e.Description).ToList();
        }

        if (account.MustChangePassword)
        {
            account.MustChangePassword = false;
            await users.UpdateAsync(account);
        }

        return [];
    }

    /// <summary>Keeps the provider's cookie valid after a change of password (which renews the security stamp).</summary>
    public Task RefreshSignInAsync(LocalAccount account) => signIn.RefreshSignInAsync(account);

    public async Task<LocalAccount> CreateAsync(string email, string displayName, string password, bool mustChangePassword, string? id = null)
    {
        var account = new LocalAccount
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = displayName,
            MustChangePassword = mustChangePassword,
        };
        if (id is not null)
        {
            account.Id = id;
        }

        var result = await users.CreateAsync(account, password);
        if (!result.Succeeded)
        {
            throw new RuleViolationException("account_invalid", string.Join(" ", result.Errors.Select(e => e.Description)), "email");
        }

        return account;
    }

    /// <summary>Replaces the password with a new one-time password, which must be changed at the next sign-in.</summary>
    public async Task<string> ResetToOneTimePasswordAsync(LocalAccount account)
    {
        var password = RandomPassword();
        await users.RemovePasswordAsync(account);
        var result = await users.AddPasswordAsync(account, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        account.MustChangePassword = true;
        await users.UpdateAsync(account);
        return password;
    }

    /// <summary>
    /// Development: a local account for each listed demo user (all when the list is empty), with the development
    /// password. The account id is the demo user's subject, so signing in finds the seeded member.
    /// </summary>
    public async Task<int> EnsureDemoAccountsAsync(DemoAccountSettings demo, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(demo.Password))
        {
            return 0;
        }

        var wanted = DemoSeed.Users.Where(u => demo.Emails.Count == 0 || demo.Emails.Contains(u.Email, StringComparer.OrdinalIgnoreCase)).ToList();
        var existing = await users.Users.Select(a => a.NormalizedEmail).ToListAsync(ct);
        // One hash for all: hashing is deliberately slow, and these accounts share one development password.
        string? hash = null;
        var created = 0;
        foreach (var demoUser in wanted.Where(u => !existing.Contains(users.NormalizeEmail(u.Email))))
        {
            hash ??= users.PasswordHasher.HashPassword(new LocalAccount(), demo.Password);
            var account = new LocalAccount
            {
                Id = demoUser.Subject,
                UserName = demoUser.Email,
                Email = demoUser.Email,
                EmailConfirmed = true,
                DisplayName = demoUser.DisplayName,
                PasswordHash = hash,
            };
            var result = await users.CreateAsync(account);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Could not create the demo account {demoUser.Email}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
            }

            created++;
        }

        return created;
    }

    /// <summary>20 characters from an alphabet without look-alikes (about 100 bits).</summary>
    public static string RandomPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}
