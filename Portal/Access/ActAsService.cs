using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Access;

public sealed record ActAsCandidate(string OrgId, string Name, OrgStatus Status, string Path);

public sealed record ActAsState(string OrgId, string OrgName, string? Reason, DateTime StartedAt);

/// <summary>Starts and stops acting on behalf of a descendant org. Acting never grants more than the user's own permissions.</summary>
public sealed class ActAsService(
    TenantContext tenant,
    AccessService access,
    IDbContextFactory<PortalDbContext> dbFactory,
    AuditWriter audit,
    TimeProvider clock)
{
    public const int MaxReasonLength = 500;

    /// <summary>Descendants of the home org that the user may act as, matching the text (all when empty).</summary>
    public async Task<IReadOnlyList<ActAsCandidate>> FindCandidatesAsync(string? text, int limit, CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.Kind != CallerKind.User || tenant.HomeOrgId is null)
        {
            return [];
        }

        var homeOrgId = tenant.HomeOrgId;
        var userId = tenant.UserId;
        var key = text?.Trim().ToUpperInvariant() ?? "";
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // Orgs where one of the user's roles carries the act-as permission; acting reaches their strict descendants.
        var actAsBit = (long)Permission.ActAsChildOrgs;
        var grantingOrgs = db.Memberships
            .Where(m => m.UserId == userId)
            .Join(db.Roles, m => m.RoleId, r => r.Id, (m, r) => new { m.OrgId, r.Permissions })
            .Where(g => ((long)g.Permissions & actAsBit) != 0)
            .Select(g => g.OrgId);
        var candidates = await db.OrgAncestries
            .Where(a => grantingOrgs.Contains(a.AncestorId) && a.Distance > 0)
            .Select(a => a.DescendantId)
            .Distinct()
            .Where(id => db.OrgAncestries.Any(h => h.AncestorId == homeOrgId && h.DescendantId == id && h.Distance > 0))
            .Join(db.Organizations, id => id, o => o.Id, (id, o) => o)
            .Where(o => o.Status != OrgStatus.Closed && (key == "" || o.NameKey.Contains(key) || o.Id == text))
            .OrderBy(o => o.Depth).ThenBy(o => o.Name)
            .Take(Math.Clamp(limit, 1, 50))
            .Select(o => new { o.Id, o.Name, o.Status })
            .ToListAsync(ct);

        var ids = candidates.Select(c => c.Id).ToList();
        var paths = await db.OrgAncestries
            .Where(a => ids.Contains(a.DescendantId) && a.Distance > 0)
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => new { a.DescendantId, a.Distance, o.Name })
            .ToListAsync(ct);

        var result = new List<ActAsCandidate>();
        foreach (var candidate in candidates)
        {
            // The rules (suspended or closed orgs above, for one) have the last word.
            if (await MayActAsAsync(candidate.Id, ct))
            {
                result.Add(new ActAsCandidate(candidate.Id, candidate.Name, candidate.Status,
                    string.Join(" / ", paths.Where(p => p.DescendantId == candidate.Id).OrderByDescending(p => p.Distance).Select(p => p.Name))));
            }
        }

        return result;
    }

    public async Task<bool> RequiresReasonAsync(string orgId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.OrgAncestries
            .Where(a => a.DescendantId == orgId)
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => o.RequireActAsReason)
            .AnyAsync(required => required, ct);
    }

    public async Task<ActAsState> StartAsync(string orgId, string? reason, CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.Kind != CallerKind.User || tenant.HomeOrgId is null || tenant.UserId is not { } userId)
        {
            throw new OrgNotFoundException(orgId);
        }

        if (tenant.IsActing)
        {
            await StopAsync(ct);
        }

        if (!await MayActAsAsync(orgId, ct))
        {
            throw await access.CanAsync(orgId, Permission.ViewOrg, ct)
                ? new AccessDeniedException(orgId, Permission.ActAsChildOrgs)
                : new OrgNotFoundException(orgId);
        }

        var trimmedReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (trimmedReason?.Length > MaxReasonLength)
        {
            throw new RuleViolationException("reason_too_long", $"Keep the reason under {MaxReasonLength} characters.", "reason");
        }

        if (trimmedReason is null && await RequiresReasonAsync(orgId, ct))
        {
            throw new RuleViolationException("reason_required", "This organization's policy asks for a reason before acting as it.", "reason");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == orgId, ct);
        var session = new ActAsSession
        {
            UserId = userId,
            HomeOrgId = tenant.HomeOrgId,
            OrgId = orgId,
            Reason = trimmedReason,
            StartedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(session);
        tenant.SetActingOrg(orgId);
        audit.Record(db, "actas.started", orgId, after: new { Org = org.Name, Reason = trimmedReason });
        await db.SaveChangesAsync(ct);
        return new ActAsState(orgId, org.Name, trimmedReason, session.StartedAt);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.UserId is not { } userId || tenant.ActingOrgId is not { } actingOrgId)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var open = await db.Set<ActAsSession>().Where(s => s.UserId == userId && s.EndedAt == null).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var session in open)
        {
            session.EndedAt = now;
        }

        audit.Record(db, "actas.stopped", actingOrgId, after: new { Duration = open.Select(s => (now - s.StartedAt).ToString(@"hh\:mm\:ss")).FirstOrDefault() });
        await db.SaveChangesAsync(ct);
        tenant.SetActingOrg(null);
    }

    public async Task<ActAsState?> CurrentAsync(CancellationToken ct)
    {
        await tenant.EnsureLoadedAsync(ct);
        if (tenant.UserId is not { } userId || tenant.ActingOrgId is not { } actingOrgId)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<ActAsSession>()
            .Where(s => s.UserId == userId && s.EndedAt == null && s.OrgId == actingOrgId)
            .Join(db.Organizations, s => s.OrgId, o => o.Id, (s, o) => new ActAsState(o.Id, o.Name, s.Reason, s.StartedAt))
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>Restores a stored session into a freshly resolved user context, if the user may still act as that org.</summary>
    public static async Task RestoreAsync(TenantContext tenant, PortalDbContext db, CancellationToken ct)
    {
        if (tenant.UserId is not { } userId || tenant.HomeOrgId is not { } homeOrgId)
        {
            return;
        }

        var session = await db.Set<ActAsSession>().AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null && s.HomeOrgId == homeOrgId)
            .OrderByDescending(s => s.StartedAt)
            .FirstOrDefaultAsync(ct);
        if (session is not null && await MayActAsAsync(db, userId, homeOrgId, session.OrgId, ct))
        {
            tenant.SetActingOrg(session.OrgId);
        }
    }

    private async Task<bool> MayActAsAsync(string orgId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await MayActAsAsync(db, tenant.UserId!.Value, tenant.HomeOrgId!, orgId, ct);
    }

    /// <summary>Only strict descendants of the home org, not closed, with the act-as permission from the user's own roles.</summary>
    private static async Task<bool> MayActAsAsync(PortalDbContext db, Guid userId, string homeOrgId, string orgId, CancellationToken ct)
    {
        if (orgId == homeOrgId || !await db.OrgAncestries.AnyAsync(a => a.AncestorId == homeOrgId && a.DescendantId == orgId, ct))
        {
            return false;
        }

        var chain = await db.OrgAncestries
            .Where(a => a.DescendantId == orgId)
            .Join(db.Organizations, a => a.AncestorId, o => o.Id, (a, o) => new ChainLink(o.Id, a.Distance, o.Status))
            .ToListAsync(ct);
        if (chain.Any(c => c.Distance == 0 && c.Status == OrgStatus.Closed))
        {
            return false;
        }

        var chainIds = chain.Select(c => c.OrgId).ToList();
        var grants = await db.Memberships
            .Where(m => m.UserId == userId && chainIds.Contains(m.OrgId) && m.OrgId != orgId)
            .Join(db.Roles, m => m.RoleId, r => r.Id, (m, r) => new Grant(m.OrgId, r.Permissions))
            .ToListAsync(ct);
        return AccessRules.Evaluate(chain, grants).Includes(Permission.ActAsChildOrgs);
    }
}
