using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Portal.Data;

namespace Portal.Usage;

/// <summary>A validated usage event, ready to store.</summary>
public readonly record struct NewUsageEvent(
    string OrgId, string EventId, string Activity, long Credits, DateTime OccurredAt, DateTime ReceivedAt, string? ApiKeyId, string? AssumedOrgId)
{
    public DateTime Day => DateTime.SpecifyKind(OccurredAt.Date, DateTimeKind.Utc);
}

/// <summary>
/// Stores events duplicate-safely (insert-or-ignore on (org, event id)) and adds exactly the events it stored to the
/// daily roll-up, all in one transaction: each database through its own fast path.
/// </summary>
public abstract class UsageEventWriter
{
    private static readonly SqliteUsageEventWriter Sqlite = new();
    private static readonly PostgresUsageEventWriter Postgres = new();

    public static UsageEventWriter For(PortalDbContext db) => db.Database.IsNpgsql() ? Postgres : Sqlite;

    /// <summary>Per event, true when it was stored, false when it was a duplicate (of an earlier one, stored or in this list).</summary>
    public async Task<bool[]> WriteAsync(PortalDbContext db, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return [];
        }

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var stored = await WriteAsync(connection, transaction, events, ct);
            await transaction.CommitAsync(ct);
            return stored;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    protected abstract Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewUsageEvent> events, CancellationToken ct);

    protected static IEnumerable<(string OrgId, string Activity, DateTime Day, long Credits, long Events)> RollUp(IEnumerable<NewUsageEvent> stored) =>
        stored.GroupBy(e => (e.OrgId, e.Activity, e.Day))
            .OrderBy(g => g.Key.OrgId, StringComparer.Ordinal).ThenBy(g => g.Key.Activity, StringComparer.Ordinal).ThenBy(g => g.Key.Day)
            .Select(g => (g.Key.OrgId, g.Key.Activity, g.Key.Day, g.Sum(e => e.Credits), (long)g.Count()));

    protected static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    protected static void Set(DbCommand command, int index, object? value) => command.Parameters[index].Value = value ?? DBNull.Value;
}

/// <summary>SQLite: one prepared INSERT ... ON CONFLICT DO NOTHING per event, inside one write transaction.</summary>
internal sealed class SqliteUsageEventWriter : UsageEventWriter
{
    protected override async Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
    {
        await using var insert = Prepare(connection, transaction,
            """
            INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId")
            VALUES (@org, @event, @activity, @credits, @occurred, @received, @key, @assumed)
            ON CONFLICT ("OrgId", "EventId") DO NOTHING
            """,
            "org", "event", "activity", "credits", "occurred", "received", "key", "assumed");
        var stored = new bool[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            Set(insert, 0, e.OrgId);
            Set(insert, 1, e.EventId);
            Set(insert, 2, e.Activity);
            Set(insert, 3, e.Credits);
            Set(insert, 4, e.OccurredAt);
            Set(insert, 5, e.ReceivedAt);
            Set(insert, 6, e.ApiKeyId);
            Set(insert, 7, e.AssumedOrgId);
            stored[i] = await insert.ExecuteNonQueryAsync(ct) == 1;
        }

        await using var rollup = Prepare(connection, transaction,
            """
            INSERT INTO "UsageRollups" ("OrgId", "Activity", "Day", "Credits", "Events")
            VALUES (@org, @activity, @day, @credits, @events)
            ON CONFLICT ("OrgId", "Activity", "Day") DO UPDATE SET
                "Credits" = "UsageRollups"."Credits" + excluded."Credits",
                "Events" = "UsageRollups"."Events" + excluded."Events"
            """,
            "org", "activity", "day", "credits", "events");
        foreach (var (orgId, activity, day, credits, count) in RollUp(events.Where((_, i) => stored[i])))
        {
            Set(rollup, 0, orgId);
            Set(rollup, 1, activity);
            Set(rollup, 2, day);
            Set(rollup, 3, credits);
            Set(rollup, 4, count);
            await rollup.ExecuteNonQueryAsync(ct);
        }

        return stored;
    }
}

/// <summary>
/// PostgreSQL: binary COPY into a temporary staging table, then one statement that inserts what is new (ON CONFLICT DO
/// NOTHING), returns it, and adds exactly those rows to the roll-up.
/// </summary>
internal sealed class PostgresUsageEventWriter : UsageEventWriter
{
    private const string CreateStaging =
        """
        CREATE TEMP TABLE usage_staging (
            "OrgId" text NOT NULL, "EventId" text NOT NULL, "Activity" text NOT NULL, "Credits" bigint NOT NULL,
            "OccurredAt" timestamptz NOT NULL, "ReceivedAt" timestamptz NOT NULL, "ApiKeyId" text, "AssumedOrgId" text,
            "Day" timestamptz NOT NULL
        ) ON COMMIT DROP
        """;

    private const string Copy =
        """
        COPY usage_staging ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId", "Day")
        FROM STDIN (FORMAT BINARY)
        """;

    // The roll-up groups are inserted in key order, so concurrent batches lock roll-up rows in the same order.
    private const string InsertNewAndRollUp =
        """
        WITH inserted AS (
            INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId")
            SELECT "OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId" FROM usage_staging
            ON CONFLICT ("OrgId", "EventId") DO NOTHING
            RETURNING "OrgId", "EventId", "Activity", "Credits"
        ), rolled AS (
            INSERT INTO "UsageRollups" ("OrgId", "Activity", "Day", "Credits", "Events")
            SELECT i."OrgId", i."Activity", s."Day", sum(i."Credits"), count(*)
            FROM inserted i JOIN usage_staging s ON s."OrgId" = i."OrgId" AND s."EventId" = i."EventId"
            GROUP BY i."OrgId", i."Activity", s."Day"
            ORDER BY 1, 2, 3
            ON CONFLICT ("OrgId", "Activity", "Day") DO UPDATE SET
                "Credits" = "UsageRollups"."Credits" + excluded."Credits",
                "Events" = "UsageRollups"."Events" + excluded."Events"
        )
        SELECT "OrgId", "EventId" FROM inserted
        """;

    protected override async Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
    {
        var npgsql = (NpgsqlConnection)connection;
        await using (var create = Prepare(connection, transaction, CreateStaging))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        // A repeat inside the list would make the statement see its own row: stage each key once, the first wins.
        var firsts = new Dictionary<(string OrgId, string EventId), int>();
        await using (var copy = await npgsql.BeginBinaryImportAsync(Copy, ct))
        {
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                if (!firsts.TryAdd((e.OrgId, e.EventId), i))
                {
                    continue;
                }

                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.OrgId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.EventId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Activity, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Credits, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(Utc(e.OccurredAt), NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(Utc(e.ReceivedAt), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, e.ApiKeyId, ct);
                await WriteNullableAsync(copy, e.AssumedOrgId, ct);
                await copy.WriteAsync(e.Day, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        var stored = new bool[events.Count];
        await using var insert = Prepare(connection, transaction, InsertNewAndRollUp);
        await using var reader = await insert.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored[firsts[(reader.GetString(0), reader.GetString(1))]] = true;
        }

        return stored;
    }

    private static DateTime Utc(DateTime value) =>
        value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, NpgsqlDbType.Text, ct);
}
