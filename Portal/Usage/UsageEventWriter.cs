using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Portal.Data;

namespace Portal.Usage;

/// <summary>A validated usage event, ready to store.</summary>
public readonly record struct NewUsageEvent(string OrgId, string EventId, string Activity, long Credits, DateTime OccurredAt)
{
    public DateTime Day => DateTime.SpecifyKind(OccurredAt.Date, DateTimeKind.Utc);
}

/// <summary>Where a batch came from: stored with each of its events.</summary>
public readonly record struct UsageBatchOrigin(DateTime ReceivedAt, string? ApiKeyId, string? AssumedOrgId);

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
    public async Task<bool[]> WriteAsync(PortalDbContext db, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
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
            var stored = await WriteAsync(connection, transaction, origin, events, ct);
            await transaction.CommitAsync(ct);
            return stored;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    protected abstract Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct);

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

    protected static DateTime Utc(DateTime value) =>
        value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc);
}

/// <summary>
/// SQLite: the batch goes in as one JSON array, and one statement inserts what is new from json_each (ON CONFLICT DO
/// NOTHING); a second statement adds the stored rows' roll-up groups the same way. Two statements per batch instead of
/// one per event: SQLite's own loop is several times cheaper than a command per row. Which events were new is known
/// without reading them back in the common cases (all new, all repeated); otherwise it is the rows above the highest
/// id seen before the insert (AUTOINCREMENT ids only grow, and the write transaction keeps other writers out).
/// </summary>
internal sealed class SqliteUsageEventWriter : UsageEventWriter
{
    // WHERE true: without it SQLite would read ON CONFLICT as the join constraint of the SELECT.
    private const string InsertNew =
        """
        INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId")
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, @received, @key, @assumed
        FROM json_each(@events) WHERE true
        ON CONFLICT ("OrgId", "EventId") DO NOTHING
        """;

    private const string AddToRollups =
        """
        INSERT INTO "UsageRollups" ("OrgId", "Activity", "Day", "Credits", "Events")
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
        FROM json_each(@groups) WHERE true
        ON CONFLICT ("OrgId", "Activity", "Day") DO UPDATE SET
            "Credits" = "UsageRollups"."Credits" + excluded."Credits",
            "Events" = "UsageRollups"."Events" + excluded."Events"
        """;

    protected override async Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
    {
        // A repeat inside the batch is a duplicate of its first occurrence: only firsts are sent, so the statement
        // never meets its own row, and each stored row maps back to exactly one event.
        var firsts = new Dictionary<(string OrgId, string EventId), int>(events.Count);
        var json = new ArrayBufferWriter<byte>(events.Count * 128);
        await using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                if (!firsts.TryAdd((e.OrgId, e.EventId), i))
                {
                    continue;
                }

                writer.WriteStartArray();
                writer.WriteStringValue(e.OrgId);
                writer.WriteStringValue(e.EventId);
                writer.WriteStringValue(e.Activity);
                writer.WriteNumberValue(e.Credits);
                WriteSqliteText(writer, e.OccurredAt);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        var stored = new bool[events.Count];
        long highestIdBefore;
        await using (var highest = Prepare(connection, transaction, """SELECT coalesce(max("Id"), 0) FROM "UsageEvents" """))
        {
            highestIdBefore = (long)(await highest.ExecuteScalarAsync(ct))!;
        }

        int inserted;
        await using (var insert = Prepare(connection, transaction, InsertNew, "events", "received", "key", "assumed"))
        {
            Set(insert, 0, Encoding.UTF8.GetString(json.WrittenSpan));
            Set(insert, 1, SqliteText(origin.ReceivedAt));
            Set(insert, 2, origin.ApiKeyId);
            Set(insert, 3, origin.AssumedOrgId);
            inserted = await insert.ExecuteNonQueryAsync(ct);
        }

        if (inserted == firsts.Count)
        {
            foreach (var index in firsts.Values)
            {
                stored[index] = true;
            }
        }
        else if (inserted > 0)
        {
            await using var fresh = Prepare(connection, transaction, """SELECT "OrgId", "EventId" FROM "UsageEvents" WHERE "Id" > @before""", "before");
            Set(fresh, 0, highestIdBefore);
            await using var reader = await fresh.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stored[firsts[(reader.GetString(0), reader.GetString(1))]] = true;
            }
        }

        json.Clear();
        await using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            foreach (var (orgId, activity, day, credits, count) in RollUp(events.Where((_, i) => stored[i])))
            {
                writer.WriteStartArray();
                writer.WriteStringValue(orgId);
                writer.WriteStringValue(activity);
                WriteSqliteText(writer, day);
                writer.WriteNumberValue(credits);
                writer.WriteNumberValue(count);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        await using var rollup = Prepare(connection, transaction, AddToRollups, "groups");
        Set(rollup, 0, Encoding.UTF8.GetString(json.WrittenSpan));
        await rollup.ExecuteNonQueryAsync(ct);
        return stored;
    }

    // The text Microsoft.Data.Sqlite writes for a DateTime parameter, so keys written either way compare equal.
    private const string SqliteDateFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private static string SqliteText(DateTime value) => Utc(value).ToString(SqliteDateFormat, CultureInfo.InvariantCulture);

    private static void WriteSqliteText(Utf8JsonWriter writer, DateTime value)
    {
        Span<char> text = stackalloc char[32];
        Utc(value).TryFormat(text, out var length, SqliteDateFormat, CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..length]);
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
            "OccurredAt" timestamptz NOT NULL, "Day" timestamptz NOT NULL
        ) ON COMMIT DROP
        """;

    private const string Copy =
        """
        COPY usage_staging ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "Day")
        FROM STDIN (FORMAT BINARY)
        """;

    // The roll-up groups are inserted in key order, so concurrent batches lock roll-up rows in the same order.
    private const string InsertNewAndRollUp =
        """
        WITH inserted AS (
            INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId")
            SELECT "OrgId", "EventId", "Activity", "Credits", "OccurredAt", @received, @key, @assumed FROM usage_staging
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

    protected override async Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
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
                await copy.WriteAsync(e.Day, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        var stored = new bool[events.Count];
        await using var insert = new NpgsqlCommand(InsertNewAndRollUp, npgsql, (NpgsqlTransaction)transaction);
        insert.Parameters.Add(new NpgsqlParameter<DateTime>("received", NpgsqlDbType.TimestampTz) { TypedValue = Utc(origin.ReceivedAt) });
        insert.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = (object?)origin.ApiKeyId ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("assumed", NpgsqlDbType.Text) { Value = (object?)origin.AssumedOrgId ?? DBNull.Value });
        await using var reader = await insert.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored[firsts[(reader.GetString(0), reader.GetString(1))]] = true;
        }

        return stored;
    }

}
