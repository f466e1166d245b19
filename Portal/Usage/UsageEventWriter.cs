using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
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

        var (connection, owned) = await OpenAsync(db, ct);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var stored = await WriteAsync(connection, transaction, origin, events, ct);
            await transaction.CommitAsync(ct);
            return stored;
        }
        finally
        {
            if (owned)
            {
                await connection.DisposeAsync();
            }
            else
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>An open connection to the context's database: the context's own, or one the writer owns.</summary>
    protected virtual async Task<(DbConnection Connection, bool Owned)> OpenAsync(PortalDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        return (db.Database.GetDbConnection(), false);
    }

    protected abstract Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct);

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
/// SQLite: the batch goes in as one JSON array, and one statement inserts what is new from jsonb_each (ON CONFLICT DO
/// NOTHING; SQLite's binary JSON, so reading each element's fields does not parse its text again); a second statement adds the stored rows' roll-up groups the same way. Two statements per batch instead of
/// one per event: SQLite's own loop is several times cheaper than a command per row. Which events were new is known
/// without reading them back in the common cases (all new, all repeated); otherwise it is the rows above the highest
/// id seen before the insert (AUTOINCREMENT ids only grow, and the write transaction keeps other writers out).
/// </summary>
internal sealed class SqliteUsageEventWriter : UsageEventWriter
{
    private static readonly ConcurrentDictionary<string, string> ConnectionStrings = new(StringComparer.Ordinal);

    /// <summary>
    /// A plain connection from the pool: EF Core's would register its SQL functions and collations again on every open,
    /// which cost a batch more than its roll-up statement; these statements need none of them.
    /// </summary>
    protected override async Task<(DbConnection Connection, bool Owned)> OpenAsync(PortalDbContext db, CancellationToken ct)
    {
        var connectionString = ConnectionStrings.GetOrAdd(db.Database.GetConnectionString()!,
            configured => new SqliteConnectionStringBuilder(configured) { ForeignKeys = true }.ToString());
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return (connection, true);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // WHERE true: without it SQLite would read ON CONFLICT as the join constraint of the SELECT.
    private const string InsertNew =
        """
        INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId", "AssumedOrgId")
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, @received, @key, @assumed
        FROM jsonb_each(jsonb(CAST(@events AS TEXT))) WHERE true
        ON CONFLICT ("OrgId", "EventId") DO NOTHING
        """;

    private const string AddToRollups =
        """
        INSERT INTO "UsageRollups" ("OrgId", "Activity", "Day", "Credits", "Events")
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
        FROM json_each(CAST(@groups AS TEXT)) WHERE true
        ON CONFLICT ("OrgId", "Activity", "Day") DO UPDATE SET
            "Credits" = "UsageRollups"."Credits" + excluded."Credits",
            "Events" = "UsageRollups"."Events" + excluded."Events"
        """;

    protected override async Task<bool[]> WriteAsync(DbConnection connection, DbTransaction transaction, UsageBatchOrigin origin, IReadOnlyList<NewUsageEvent> events, CancellationToken ct)
    {
        // A repeat inside the batch is a duplicate of its first occurrence: only firsts are sent, so the statement
        // never meets its own row, and each stored row maps back to exactly one event.
        var firsts = new Dictionary<(string OrgId, string EventId), int>(events.Count);
        var eventsJson = EventsJson(events, firsts);
        var stored = new bool[events.Count];
        long highestIdBefore;
        await using (var highest = Prepare(connection, transaction, """SELECT coalesce(max("Id"), 0) FROM "UsageEvents" """))
        {
            highestIdBefore = (long)(await highest.ExecuteScalarAsync(ct))!;
        }

        int inserted;
        await using (var insert = Prepare(connection, transaction, InsertNew, "events", "received", "key", "assumed"))
        {
            Set(insert, 0, eventsJson);
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

        await using var rollup = Prepare(connection, transaction, AddToRollups, "groups");
        Set(rollup, 0, RollupJson(events, stored));
        await rollup.ExecuteNonQueryAsync(ct);
        return stored;
    }

    /// <summary>[[org, event id, activity, credits, occurred at], ...] for the first occurrence of each key.</summary>
    private static byte[] EventsJson(IReadOnlyList<NewUsageEvent> events, Dictionary<(string OrgId, string EventId), int> firsts)
    {
        var json = SqliteJsonRows.Start();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!firsts.TryAdd((e.OrgId, e.EventId), i))
            {
                continue;
            }

            json.BeginRow();
            json.String(e.OrgId);
            json.String(e.EventId);
            json.String(e.Activity);
            json.Number(e.Credits);
            json.Time(Utc(e.OccurredAt));
            json.EndRow();
        }

        return json.ToArray();
    }

    /// <summary>[[org, activity, day, credits, events], ...] of the stored events.</summary>
    private static byte[] RollupJson(IReadOnlyList<NewUsageEvent> events, bool[] stored)
    {
        var groups = new Dictionary<(string OrgId, string Activity, DateTime Day), (long Credits, long Events)>();
        for (var i = 0; i < events.Count; i++)
        {
            if (stored[i])
            {
                var e = events[i];
                ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, (e.OrgId, e.Activity, e.Day), out _);
                group = (group.Credits + e.Credits, group.Events + 1);
            }
        }

        var json = SqliteJsonRows.Start();
        foreach (var ((orgId, activity, day), (credits, count)) in groups)
        {
            json.BeginRow();
            json.String(orgId);
            json.String(activity);
            json.Time(day);
            json.Number(credits);
            json.Number(count);
            json.EndRow();
        }

        return json.ToArray();
    }

    // The text Microsoft.Data.Sqlite writes for a DateTime parameter, so keys written either way compare equal.
    internal const string SqliteDateFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private static string SqliteText(DateTime value) => Utc(value).ToString(SqliteDateFormat, CultureInfo.InvariantCulture);

    internal const int MaxSqliteTextLength = 27;

    /// <summary>
    /// <see cref="SqliteDateFormat"/> as UTF-8, written by hand: a custom format string is parsed again on every call,
    /// which cost more than the rest of building a batch.
    /// </summary>
    internal static int FormatSqliteText(DateTime value, Span<byte> destination)
    {
        WriteDigits(destination[..4], value.Year);
        destination[4] = (byte)'-';
        WriteDigits(destination.Slice(5, 2), value.Month);
        destination[7] = (byte)'-';
        WriteDigits(destination.Slice(8, 2), value.Day);
        destination[10] = (byte)' ';
        WriteDigits(destination.Slice(11, 2), value.Hour);
        destination[13] = (byte)':';
        WriteDigits(destination.Slice(14, 2), value.Minute);
        destination[16] = (byte)':';
        WriteDigits(destination.Slice(17, 2), value.Second);
        var fraction = (int)(value.Ticks % TimeSpan.TicksPerSecond);
        if (fraction == 0)
        {
            return 19;
        }

        // F: the fraction's trailing zeros are left out.
        var digits = 7;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        destination[19] = (byte)'.';
        WriteDigits(destination.Slice(20, digits), fraction);
        return 20 + digits;
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
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
