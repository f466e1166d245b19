using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Members;
using Portal.Organizations;

namespace Portal.Identity;

public sealed record BootstrapResult(string OrgId, string OrgName, string OwnerEmail, string? OneTimePassword, bool OwnerInvited);

/// <summary>
/// Creates a top-level (super) org and its first owner without any UI: `Portal admin bootstrap`. With the
/// embedded provider the owner gets a local account with a one-time password; with an external provider the
/// owner is invited by email and becomes owner at their first sign-in with that verified email.
/// </summary>
public sealed class SuperOrgBootstrap(
    IDbContextFactory<PortalDbContext> dbFactory,
    IServiceProvider services,
    IOptions<PortalAuthenticationOptions> settings,
    TimeProvider clock)
{
    public static readonly TimeSpan OwnerInvitationLifetime = TimeSpan.FromDays(30);
    private const string Actor = "admin bootstrap";

    public async Task<BootstrapResult> RunAsync(string? orgName, string? ownerEmail, string? ownerName, CancellationToken ct)
    {
        var name = OrganizationService.ValidateName(orgName);
        var email = ValidateEmail(ownerEmail);
        var displayName = string.IsNullOrWhiteSpace(ownerName) ? email[..email.IndexOf('@', StringComparison.Ordinal)] : ownerName.Trim();
        var now = clock.GetUtcNow().UtcDateTime;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await OrganizationService.EnsureNameFreeAsync(db, parentId: null, name, exceptOrgId: null, ct);

        var org = new Organization { Id = OrgIds.New(), Name = name, Depth = 0, CreatedAt = now };
        db.Organizations.Add(org);
        await OrganizationService.AddClosureRowsAsync(db, org, ct);
        db.AuditEntries.Add(Audit(now, org.Id, "org.created", new { org.Name, ParentId = (string?)null }));

        string? oneTimePassword = null;
        var invited = settings.Value.UsesExternalProvider;
        if (invited)
        {
            db.Invitations.Add(new Invitation
            {
                OrgId = org.Id,
                Email = email,
                RoleId = BuiltInRoles.OwnerId,
                TokenHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))),
                CreatedAt = now,
                ExpiresAt = now + OwnerInvitationLifetime,
            });
            db.AuditEntries.Add(Audit(now, org.Id, "member.invited", new { Email = email, Role = BuiltInRoles.OwnerId }));
        }
        else
        {
            var accounts = services.GetRequiredService<LocalAccounts>();
            var account = await accounts.FindByEmailAsync(email);
            if (account is null)
            {
                oneTimePassword = LocalAccounts.RandomPassword();
                account = await accounts.CreateAsync(email, displayName, oneTimePassword, mustChangePassword: true);
            }
            else if (account.MustChangePassword)
            {
                // Never signed in (for example an earlier bootstrap that failed half-way): hand out a fresh one.
                oneTimePassword = await accounts.ResetToOneTimePasswordAsync(account);
            }

            var user = await db.Users.SingleOrDefaultAsync(u => u.Issuer == EmbeddedProvider.Issuer && u.Subject == account.Id, ct);
            if (user is null)
            {
                user = new PortalUser { Issuer = EmbeddedProvider.Issuer, Subject = account.Id, Email = email, DisplayName = account.DisplayName, CreatedAt = now };
                db.Users.Add(user);
            }

            db.Memberships.Add(new Membership { UserId = user.Id, OrgId = org.Id, RoleId = BuiltInRoles.OwnerId, CreatedAt = now });
            db.AuditEntries.Add(Audit(now, org.Id, "member.added", new { Email = email, Role = BuiltInRoles.OwnerId }));
        }

        await db.SaveChangesAsync(ct);
        return new BootstrapResult(org.Id, org.Name, email, oneTimePassword, invited);
    }

    private static string ValidateEmail(string? email)
    {
        var trimmed = email?.Trim() ?? "";
        if (trimmed.Length is 0 or > 256 || !MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed)
        {
            throw new RuleViolationException("email_invalid", "Give the owner's email address, like owner@example.com.", "owner-email");
        }

        return trimmed;
    }

    private static AuditEntry Audit(DateTime at, string orgId, string action, object after) => new()
    {
        At = at,
        ActorName = Actor,
        TargetOrgId = orgId,
        Action = action,
        After = JsonSerializer.Serialize(after, JsonSerializerOptions.Web),
        Source = AuditSource.System,
    };
}
