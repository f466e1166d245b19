using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Members;

namespace Portal.Identity;

/// <summary>Who the provider says signed in. Issuer is <see cref="EmbeddedProvider.Issuer"/> for local accounts.</summary>
public sealed record ProviderIdentity(string Issuer, string Subject, string? Email, string? DisplayName, bool EmailVerified);

/// <summary>
/// Runs at every sign-in: finds or creates the portal user for (issuer, subject), refreshes their email and name
/// from the provider, and turns pending invitations for their verified email into memberships. Roles come only
/// from those invitations and the portal's own data, never from the provider's claims.
/// </summary>
public sealed class SignInRecorder(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock)
{
    private const int MaxClaimLength = 256;

    public async Task<Guid> RecordAsync(ProviderIdentity who, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(who.Issuer) || string.IsNullOrWhiteSpace(who.Subject)
            || who.Issuer.Length > MaxClaimLength || who.Subject.Length > MaxClaimLength)
        {
            throw new InvalidOperationException("The identity provider sent no usable issuer and subject.");
        }

        var email = Clip(who.Email, MaxClaimLength);
        var name = Clip(who.DisplayName, 200) ?? email ?? who.Subject;
        var now = clock.GetUtcNow().UtcDateTime;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Issuer == who.Issuer && u.Subject == who.Subject, ct);
        if (user is null)
        {
            user = new PortalUser { Issuer = who.Issuer, Subject = who.Subject, Email = email ?? "", DisplayName = name, CreatedAt = now };
            db.Users.Add(user);
        }
        else
        {
            user.Email = email ?? user.Email;
            user.DisplayName = name;
        }

        user.LastSeenAt = now;
        if (who.EmailVerified && email is not null)
        {
            await BindInvitationsAsync(db, user, email, now, ct);
        }

        await db.SaveChangesAsync(ct);
        return user.Id;
    }

    private static async Task BindInvitationsAsync(PortalDbContext db, PortalUser user, string email, DateTime now, CancellationToken ct)
    {
        var key = Invitation.KeyOf(email);
        var pending = await db.Invitations
            .Where(i => i.EmailKey == key && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ToListAsync(ct);
        if (pending.Count == 0)
        {
            return;
        }

        var memberOf = (await db.Memberships.Where(m => m.UserId == user.Id).Select(m => m.OrgId).ToListAsync(ct)).ToHashSet();
        // The newest invitation to an org decides the role; older ones to the same org are simply used up.
        foreach (var invitation in pending.OrderByDescending(i => i.CreatedAt))
        {
            invitation.AcceptedAt = now;
            invitation.AcceptedByUserId = user.Id;
            if (!memberOf.Add(invitation.OrgId))
            {
                continue;
            }

            db.Memberships.Add(new Membership { UserId = user.Id, OrgId = invitation.OrgId, RoleId = invitation.RoleId, CreatedAt = now });
            db.AuditEntries.Add(new AuditEntry
            {
                At = now,
                ActorUserId = user.Id,
                ActorName = user.DisplayName,
                TargetOrgId = invitation.OrgId,
                Action = "member.joined",
                After = JsonSerializer.Serialize(new { user.Email, Role = invitation.RoleId, InvitationId = invitation.Id }, JsonSerializerOptions.Web),
                Source = AuditSource.Portal,
            });
        }
    }

    private static string? Clip(string? value, int max)
    {
        var trimmed = value?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed.Length <= max ? trimmed : trimmed[..max];
    }
}
