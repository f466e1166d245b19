using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Access;
using Portal.Data;

namespace Portal.Audit;

public sealed record AuditQuery(
    string OrgId,
    bool IncludeDescendants = true,
    string? Actor = null,
    string? Action = null,
    DateTime? From = null,
    DateTime? To = null,
    string? TargetOrgId = null,
    int Skip = 0,
    int Take = 50);

public sealed record AuditRow(
    long Sequence,
    DateTime At,
    string ActorName,
    Guid? ActorUserId,
    string? ActorApiKeyId,
    string? HomeOrgId,
    string? ActingOrgId,
    string? ActingOrgName,
    string TargetOrgId,
    string TargetOrgName,
    string Action,
    string? Before,
    string? After,
    AuditSource Source,
    string? ClientAddress,
    string Hash);

public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, int Total);

public sealed record ChainVerification(bool Intact, long EntriesChecked, long? FirstBrokenSequence, string Message);

/// <summary>Reads the audit log of an org (and its descendants), exports it, and verifies the chain.</summary>
public sealed class AuditService(AccessService access, TenantDb tenantDb, IDbContextFactory<PortalDbContext> dbFactory)
{
    public const int MaxExportRows = 100_000;

    public async Task<AuditPage> SearchAsync(AuditQuery query, CancellationToken ct)
    {
        await access.DemandAsync(query.OrgId, Permission.ViewAudit, ct);
        if (query.TargetOrgId is not null)
        {
            await access.DemandAsync(query.TargetOrgId, Permission.ViewAudit, ct);
        }

        await using var db = await tenantDb.OpenAsync(ct);
        var filtered = Filter(db, query);
        var total = await filtered.CountAsync(ct);
        var rows = await Project(db, filtered.OrderByDescending(a => a.Sequence).Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 500)))
            .ToListAsync(ct);
        return new AuditPage(rows, total);
    }

    public async Task<IReadOnlyList<string>> ActionsAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewAudit, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        return await Filter(db, new AuditQuery(orgId)).Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(ct);
    }

    public async Task WriteCsvAsync(AuditQuery query, Stream output, CancellationToken ct)
    {
        await access.DemandAsync(query.OrgId, Permission.ViewAudit, ct);
        await using var db = await tenantDb.OpenAsync(ct);
        var rows = Project(db, Filter(db, query).OrderBy(a => a.Sequence).Take(MaxExportRows)).AsAsyncEnumerable();

        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), leaveOpen: true);
        var csv = new Csv(writer);
        await csv.WriteRowAsync("sequence", "at", "actor", "actor_user_id", "actor_api_key_id", "home_org_id", "acting_org_id",
            "acting_org_name", "target_org_id", "target_org_name", "action", "before", "after", "source", "client_address", "hash");
        await foreach (var row in rows.WithCancellation(ct))
        {
            await csv.WriteRowAsync(row.Sequence, row.At, row.ActorName, row.ActorUserId, row.ActorApiKeyId, row.HomeOrgId, row.ActingOrgId,
                row.ActingOrgName, row.TargetOrgId, row.TargetOrgName, row.Action, row.Before, row.After, row.Source, row.ClientAddress, row.Hash);
        }
    }

    /// <summary>
    /// Walks the whole chain in order and recomputes every hash. The chain is global (one log for all tenants),
    /// so any caller who may view an org's audit may learn whether it is intact, but sees no foreign entries.
    /// </summary>
    public async Task<ChainVerification> VerifyChainAsync(string orgId, CancellationToken ct)
    {
        await access.DemandAsync(orgId, Permission.ViewAudit, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var expectedPrevious = "";
        long expectedSequence = 1, checkedCount = 0;
        await foreach (var entry in db.AuditEntries.AsNoTracking().OrderBy(a => a.Sequence).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (entry.Sequence != expectedSequence)
            {
                return new ChainVerification(false, checkedCount, expectedSequence, $"Entry {expectedSequence} is missing.");
            }

            if (entry.PreviousHash != expectedPrevious || AuditChain.ComputeHash(entry) != entry.Hash)
            {
                return new ChainVerification(false, checkedCount, entry.Sequence, $"Entry {entry.Sequence} was altered.");
            }

            expectedPrevious = entry.Hash;
            expectedSequence++;
            checkedCount++;
        }

        return new ChainVerification(true, checkedCount, null, $"All {checkedCount} entries are intact.");
    }

    private static IQueryable<AuditEntry> Filter(PortalDbContext db, AuditQuery query)
    {
        var scopeOrg = query.TargetOrgId ?? query.OrgId;
        var entries = query.IncludeDescendants && query.TargetOrgId is null
            ? db.AuditEntries.Where(a => db.OrgAncestries.Any(x => x.AncestorId == scopeOrg && x.DescendantId == a.TargetOrgId))
            : db.AuditEntries.Where(a => a.TargetOrgId == scopeOrg);

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim().ToUpperInvariant();
            entries = entries.Where(a => a.ActorName.ToUpper().Contains(actor));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            entries = entries.Where(a => a.Action == query.Action);
        }

        if (query.From is { } from)
        {
            entries = entries.Where(a => a.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(a => a.At < to);
        }

        return entries;
    }

    private static IQueryable<AuditRow> Project(PortalDbContext db, IQueryable<AuditEntry> entries) =>
        entries.Select(a => new AuditRow(
            a.Sequence,
            a.At,
            a.ActorName,
            a.ActorUserId,
            a.ActorApiKeyId,
            a.HomeOrgId,
            a.ActingOrgId,
            db.Organizations.IgnoreQueryFilters().Where(o => o.Id == a.ActingOrgId).Select(o => o.Name).FirstOrDefault(),
            a.TargetOrgId,
            db.Organizations.IgnoreQueryFilters().Where(o => o.Id == a.TargetOrgId).Select(o => o.Name).FirstOrDefault() ?? a.TargetOrgId,
            a.Action,
            a.Before,
            a.After,
            a.Source,
            a.ClientAddress,
            a.Hash));
}
