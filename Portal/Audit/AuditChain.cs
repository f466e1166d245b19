using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Data;

namespace Portal.Audit;

/// <summary>The hash chain that makes the audit log tamper-evident: each entry hashes its content and the previous hash.</summary>
public static class AuditChain
{
    public static string ComputeHash(AuditEntry entry)
    {
        var content = string.Join('\u001f',
            entry.Sequence.ToString(CultureInfo.InvariantCulture),
            entry.PreviousHash,
            entry.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            entry.ActorUserId?.ToString() ?? "",
            entry.ActorApiKeyId ?? "",
            entry.ActorName,
            entry.HomeOrgId ?? "",
            entry.ActingOrgId ?? "",
            entry.TargetOrgId,
            entry.Action,
            entry.Before ?? "",
            entry.After ?? "",
            entry.Source.ToString(),
            entry.ClientAddress ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>Links new entries to the end of the chain. Called inside the write transaction that stores them.</summary>
    internal static async Task LinkAsync(PortalDbContext db, IReadOnlyList<AuditEntry> added, CancellationToken ct)
    {
        var last = await db.AuditEntries.IgnoreQueryFilters().AsNoTracking()
            .OrderByDescending(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Hash })
            .FirstOrDefaultAsync(ct);
        var (sequence, previous) = last is null ? (0L, "") : (last.Sequence, last.Hash);
        foreach (var entry in added.OrderBy(a => a.At))
        {
            entry.Sequence = ++sequence;
            entry.PreviousHash = previous;
            entry.Hash = ComputeHash(entry);
            previous = entry.Hash;
        }
    }
}

/// <summary>
/// Makes every SaveChanges that adds audit entries run in a write transaction that first links them to the chain,
/// so concurrent writers cannot fork it (SQLite: BEGIN IMMEDIATE; the unique Sequence index is the last guard).
/// </summary>
public sealed class AuditChainInterceptor : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext db)
        {
            var added = db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
            if (added.Count > 0)
            {
                if (db.Database.CurrentTransaction is null)
                {
                    await db.Database.BeginTransactionAsync(cancellationToken);
                    db.OwnsAuditTransaction = true;
                }

                await AuditChain.LinkAsync(db, added, cancellationToken);
            }
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext { OwnsAuditTransaction: true } db)
        {
            db.OwnsAuditTransaction = false;
            await db.Database.CommitTransactionAsync(cancellationToken);
        }

        return result;
    }

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext { OwnsAuditTransaction: true } db)
        {
            db.OwnsAuditTransaction = false;
            await db.Database.RollbackTransactionAsync(cancellationToken);
        }
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        eventData.Context is PortalDbContext db && db.ChangeTracker.Entries<AuditEntry>().Any(e => e.State == EntityState.Added)
            ? throw new InvalidOperationException("Use SaveChangesAsync to store audit entries: chaining them is asynchronous.")
            : result;
}
