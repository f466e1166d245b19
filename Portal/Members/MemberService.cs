using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Audit;
using Portal.Data;

namespace Portal.Members;

public sealed record MemberRow(Guid MembershipId, Guid UserId, string DisplayName, string Email, string RoleId, string RoleName, DateTime Since);

public sealed record PendingInvitation(Guid Id, string Email, string RoleId, string RoleName, DateTime CreatedAt, DateTime ExpiresAt);

public sealed record InvitationCreated(Guid Id, string Email, string Link, bool EmailSent);

public sealed record InvitationPreview(string OrgName, string RoleName, string Email, bool IsPending);

/// <summary>Members of an org, their roles, and invitations to join it.</summary>
public sealed class MemberService(
    AccessService access,
    RoleService roles,
    TenantDb tenantDb,
    IDbContextFactory<PortalDbContext> dbFactory,
    AuditWriter audit,
    TimeProvider clock,
    IInvitationSender sender)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(14);

    public async Task<IReadOnlyList<MemberRow>> ListAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewOrg, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await db.Memberships
            .Where(m => m.OrgId == orgId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u })
            .Join(db.Roles, x => x.m.RoleId, r => r.Id, (x, r) => new { x.m, x.u, r })
            .OrderBy(x => x.u.DisplayName)
            .Select(x => new MemberRow(x.m.Id, x.u.Id, x.u.DisplayName, x.u.Email, x.r.Id, x.r.Name, x.m.CreatedAt))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<PendingInvitation>> PendingInvitationsAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await tenantDb.OpenAsync(ct);
        return await db.Invitations
            .Where(i => i.OrgId == orgId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.Email)
            .Join(db.Roles, i => i.RoleId, r => r.Id, (i, r) => new PendingInvitation(i.Id, i.Email, r.Id, r.Name, i.CreatedAt, i.ExpiresAt))
            .ToListAsync(ct);
    }

    /// <summary>Invites an email with a role; returns the link (shown once: only its hash is stored).</summary>
    public async Task<InvitationCreated> InviteAsync(string orgId, string email, string roleId, string linkBase, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        var address = ValidateEmail(email);
        var role = await roles.DemandAssignableAsync(orgId, roleId, ct);
        var now = clock.GetUtcNow().UtcDateTime;

        await using var db = await tenantDb.OpenAsync(ct);
        var key = Invitation.KeyOf(address);
        var org = await db.Organizations.SingleAsync(o => o.Id == orgId, ct);
        if (org.Status == Organizations.OrgStatus.Closed)
        {
            throw new RuleViolationException("org_closed", "Closed organizations cannot take new members.");
        }

        if (await db.Memberships.AnyAsync(m => m.OrgId == orgId && db.Users.Any(u => u.Id == m.UserId && u.Email.ToUpper() == key), ct))
        {
            throw new RuleViolationException("already_member", $"{address} is already a member of {org.Name}.", "email");
        }

        // A new invitation for the same address replaces the pending one.
        var previous = await db.Invitations.Where(i => i.OrgId == orgId && i.EmailKey == key && i.AcceptedAt == null && i.RevokedAt == null).ToListAsync(ct);
        foreach (var old in previous)
        {
            old.RevokedAt = now;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var invitation = new Invitation
        {
            OrgId = orgId,
            Email = address,
            RoleId = role.Id,
            TokenHash = HashToken(token),
            InvitedByUserId = access.Tenant.UserId,
            CreatedAt = now,
            ExpiresAt = now + InvitationLifetime,
        };
        db.Invitations.Add(invitation);
        audit.Record(db, "member.invited", orgId, after: new { Email = address, Role = role.Name });
        await db.SaveChangesAsync(ct);

        var link = $"{linkBase.TrimEnd('/')}/invitations/{token}";
        var sent = await sender.SendAsync(new InvitationMessage(address, org.Name, role.Name, access.Tenant.DisplayName, link, invitation.ExpiresAt), ct);
        return new InvitationCreated(invitation.Id, address, link, sent);
    }

    public async Task RevokeInvitationAsync(string orgId, Guid invitationId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == invitationId && i.OrgId == orgId, ct)
            ?? throw new RuleViolationException("invitation_not_found", "That invitation does not exist.");
        if (invitation.AcceptedAt is not null || invitation.RevokedAt is not null)
        {
            throw new RuleViolationException("invitation_not_pending", "That invitation is no longer pending.");
        }

        invitation.RevokedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(db, "member.invitation_revoked", orgId, before: new { invitation.Email });
        await db.SaveChangesAsync(ct);
    }

    public async Task ChangeRoleAsync(string orgId, Guid membershipId, string roleId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        var role = await roles.DemandAssignableAsync(orgId, roleId, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var membership = await FindMembershipAsync(db, orgId, membershipId, ct);
        if (membership.RoleId == role.Id)
        {
            return;
        }

        await DemandMayManageAsync(orgId, membership, ct);
        if (membership.RoleId == BuiltInRoles.OwnerId)
        {
            await EnsureAnotherOwnerAsync(db, orgId, membership.Id, ct);
        }

        var before = membership.RoleId;
        membership.RoleId = role.Id;
        audit.Record(db, "member.role_changed", orgId, before: new { membership.UserId, Role = before }, after: new { membership.UserId, Role = role.Id });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task RemoveAsync(string orgId, Guid membershipId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ManageMembers, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var membership = await FindMembershipAsync(db, orgId, membershipId, ct);
        await DemandMayManageAsync(orgId, membership, ct);
        if (membership.RoleId == BuiltInRoles.OwnerId)
        {
            await EnsureAnotherOwnerAsync(db, orgId, membership.Id, ct);
        }

        db.Memberships.Remove(membership);
        audit.Record(db, "member.removed", orgId, before: new { membership.UserId, Role = membership.RoleId });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<InvitationPreview?> PreviewInvitationAsync(string token, CancellationToken ct)
    {
        var hash = HashToken(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Invitations
            .Where(i => i.TokenHash == hash)
            .Join(db.Organizations, i => i.OrgId, o => o.Id, (i, o) => new { i, o })
            .Join(db.Roles, x => x.i.RoleId, r => r.Id, (x, r) => new InvitationPreview(
                x.o.Name, r.Name, x.i.Email, x.i.AcceptedAt == null && x.i.RevokedAt == null && x.i.ExpiresAt > now))
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>Accepts an invitation for the signed-in user, whose email must be the invited one.</summary>
    public async Task<string> AcceptInvitationAsync(string token, CancellationToken ct)
    {
        await access.Tenant.EnsureLoadedAsync(ct);
        if (access.Tenant.UserId is not { } userId)
        {
            throw new RuleViolationException("sign_in_required", "Sign in to accept the invitation.");
        }

        var hash = HashToken(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.TokenHash == hash, ct);
        var user = await db.Users.SingleAsync(u => u.Id == userId, ct);
        if (invitation is null || !invitation.IsPendingAt(now))
        {
            throw new RuleViolationException("invitation_not_pending", "This invitation is no longer valid. Ask for a new one.");
        }

        if (Invitation.KeyOf(user.Email) != invitation.EmailKey)
        {
            throw new RuleViolationException("invitation_other_email", $"This invitation was sent to another email address than {user.Email}.");
        }

        await BindAsync(db, invitation, userId, now, ct);
        await db.SaveChangesAsync(ct);
        return invitation.OrgId;
    }

    /// <summary>Turns a pending invitation into a membership (also used at sign-in for verified emails).</summary>
    public static async Task BindAsync(PortalDbContext db, Invitation invitation, Guid userId, DateTime now, CancellationToken ct)
    {
        invitation.AcceptedAt = now;
        invitation.AcceptedByUserId = userId;
        if (!await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == userId && m.OrgId == invitation.OrgId, ct))
        {
            db.Memberships.Add(new Membership { UserId = userId, OrgId = invitation.OrgId, RoleId = invitation.RoleId, CreatedAt = now });
        }

        db.AuditEntries.Add(new AuditEntry
        {
            At = now,
            ActorUserId = userId,
            ActorName = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleAsync(ct),
            HomeOrgId = invitation.OrgId,
            TargetOrgId = invitation.OrgId,
            Action = "member.joined",
            After = System.Text.Json.JsonSerializer.Serialize(new { invitation.Email, Role = invitation.RoleId }),
            Source = AuditSource.Portal,
        });
    }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string ValidateEmail(string? email)
    {
        var trimmed = email?.Trim() ?? "";
        if (trimmed.Length is 0 or > 256 || !MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed || !trimmed.Contains('.', StringComparison.Ordinal))
        {
            throw new RuleViolationException("email_invalid", "Enter a valid email address, like name@example.com.", "email");
        }

        return trimmed;
    }

    private static async Task<Membership> FindMembershipAsync(PortalDbContext db, string orgId, Guid membershipId, CancellationToken ct) =>
        await db.Memberships.SingleOrDefaultAsync(m => m.Id == membershipId && m.OrgId == orgId, ct)
        ?? throw new RuleViolationException("member_not_found", "That person is not a member of this organization.");

    /// <summary>Nobody changes or removes a member whose role carries permissions the caller does not hold.</summary>
    private async Task DemandMayManageAsync(string orgId, Membership membership, CancellationToken ct)
    {
        var held = await access.GetPermissionsAsync(orgId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var memberPermissions = await db.Roles.Where(r => r.Id == membership.RoleId).Select(r => r.Permissions).SingleAsync(ct);
        if (!held.Includes(memberPermissions))
        {
            throw new RuleViolationException("member_outranks_you", "That member holds permissions you do not; ask an owner.");
        }
    }

    private static async Task EnsureAnotherOwnerAsync(PortalDbContext db, string orgId, Guid exceptMembershipId, CancellationToken ct)
    {
        if (!await db.Memberships.AnyAsync(m => m.OrgId == orgId && m.RoleId == BuiltInRoles.OwnerId && m.Id != exceptMembershipId, ct))
        {
            throw new RuleViolationException("last_owner", "Every organization keeps at least one owner: make someone else owner first.");
        }
    }
}
