using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;

namespace Portal.Tests.TestSupport;

public enum TestProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real database per test, cloned from a template migrated once per test run (migrating every time would dominate
/// the suite's time): a copied SQLite file, or on PostgreSQL a <c>CREATE DATABASE ... TEMPLATE</c>. Which one is up
/// to the running test case (<see cref="DataFactAttribute"/> runs each data test on every configured provider);
/// PostgreSQL is configured by <see cref="PostgresVariable"/>, a connection string to a server where the tests may
/// create databases.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<PortalDbContext>, IDisposable
{
    public const string PostgresVariable = "PORTAL_TEST_POSTGRES";

    private static readonly AsyncLocal<TestProvider?> Current = new();
    private static readonly Lazy<string> SqliteTemplate = new(CreateSqliteTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string name;
    private int disposed;

    public TestDatabase()
        : this(Current.Value ?? TestProvider.Sqlite)
    {
    }

    public TestDatabase(TestProvider provider)
    {
        Provider = provider;
        if (Provider == TestProvider.Sqlite)
        {
            name = Path.Combine(Path.GetTempPath(), "portal-tests", $"{Guid.NewGuid():N}.db");
            File.Copy(SqliteTemplate.Value, name);
            ConnectionString = new SqliteConnectionStringBuilder { DataSource = name, Pooling = false }.ToString();
        }
        else
        {
            name = PostgresTestDatabases.Rent();
            ConnectionString = PostgresTestDatabases.ConnectionString(name);
        }
    }

    /// <summary>The server the PostgreSQL runs use, or null when only SQLite is configured.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value ? value : null;

    public static IReadOnlyList<TestProvider> ConfiguredProviders { get; } =
        PostgresServer is null ? [TestProvider.Sqlite] : [TestProvider.Sqlite, TestProvider.Postgres];

    public TestProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>Runs the rest of the calling test case (and what it starts) against the given provider.</summary>
    public static void Use(TestProvider provider) => Current.Value = provider;

    public PortalDbContext CreateDbContext() => Provider == TestProvider.Sqlite
        ? new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(ConnectionString).Options)
        : new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql(ConnectionString).Options);

    /// <summary>Raw SQL straight to the database (quote identifiers: PostgreSQL folds unquoted ones to lower case).</summary>
    public async Task<int> ExecuteSqlAsync(string sql)
    {
        await using var db = CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Test-authored statements, no input.
        command.CommandText = sql;
#pragma warning restore CA2100
        return await command.ExecuteNonQueryAsync();
    }

    // Hosts may dispose twice (Dispose and DisposeAsync): a database handed back twice would go to two tests at once.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (Provider == TestProvider.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            File.Delete(name);
        }
        else
        {
            PostgresTestDatabases.Return(name);
        }
    }

    private static string CreateSqliteTemplate()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portal-tests");
        Directory.CreateDirectory(folder);
        var templatePath = Path.Combine(folder, $"template-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        var options = new DbContextOptionsBuilder<SqlitePortalDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = templatePath, Pooling = false }.ToString())
            .Options;
        using var db = new SqlitePortalDbContext(options);
        db.Database.Migrate();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(templatePath);
        return templatePath;
    }
}

/// <summary>
/// PostgreSQL databases for tests. Cloning a database costs the server most of a second (it copies the catalogs), so
/// a finished test's database is reset instead (TRUNCATE every table, then the rows the migrations seeded) and
/// handed to the next test; a database that cannot be reset is dropped. A clone of the migrated template is made
/// only when no reset database is free. Everything is dropped when the test run ends.
/// </summary>
internal static class PostgresTestDatabases
{
    private static readonly Lazy<Template> Migrated = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ConcurrentBag<string> Free = [];
    private const byte InUse = 0;
    private const byte Resetting = 1;
    private const byte IsFree = 2;

    // Every database of this run and its state; a database handed back twice is reset once.
    private static readonly ConcurrentDictionary<string, byte> All = new();
    private static int exitHooked;

    public static string Rent()
    {
        var template = Migrated.Value;
        if (Free.TryTake(out var name))
        {
            All[name] = InUse;
            return name;
        }

        name = $"portal_test_{Guid.NewGuid():N}";
        AdminCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template.Name}\"");
        All[name] = InUse;
        return name;
    }

    public static void Return(string name)
    {
        if (!All.TryUpdate(name, Resetting, InUse))
        {
            return;
        }

        try
        {
            Reset(name);
            All[name] = IsFree;
            Free.Add(name);
        }
#pragma warning disable CA1031 // Whatever went wrong, the next test gets a fresh clone instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            Drop(name);
        }
    }

    public static string ConnectionString(string database, bool pooling = true) =>
        new NpgsqlConnectionStringBuilder(TestDatabase.PostgresServer!) { Database = database, Pooling = pooling }.ToString();

    private static void Reset(string name)
    {
        var template = Migrated.Value;
        using var connection = new NpgsqlConnection(ConnectionString(name));
        connection.Open();
        using var transaction = connection.BeginTransaction();
        // A test that left a query running holds locks: do not wait for it, drop its database instead.
        using (var truncate = new NpgsqlCommand("SET LOCAL lock_timeout = '2s'; " + template.TruncateSql, connection, transaction))
        {
            truncate.ExecuteNonQuery();
        }

        foreach (var (table, rows) in template.SeedRows)
        {
            using var copy = connection.BeginRawBinaryCopy($"COPY \"{table}\" FROM STDIN (FORMAT BINARY)");
            copy.Write(rows);
        }

        transaction.Commit();
    }

    private static void Drop(string name)
    {
        All.TryRemove(name, out _);
        using (var connection = new NpgsqlConnection(ConnectionString(name)))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        AdminCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static Template CreateTemplate()
    {
        var name = $"portal_template_{Guid.NewGuid():N}";
        AdminCommand($"CREATE DATABASE \"{name}\"");
        All[name] = InUse;
        if (Interlocked.Exchange(ref exitHooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropAll();
        }

        var connectionString = ConnectionString(name, pooling: false);
        using (var db = new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql(connectionString).Options))
        {
            db.Database.Migrate();
        }

        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        var tables = new List<string>();
        using (var list = new NpgsqlCommand(
                   "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory' ORDER BY tablename", connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var seedRows = new List<(string Table, byte[] Rows)>();
        foreach (var table in tables)
        {
            using var count = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM \"{table}\")", connection);
            if (count.ExecuteScalar() is true)
            {
                using var buffer = new MemoryStream();
                using (var copy = connection.BeginRawBinaryCopy($"COPY \"{table}\" TO STDOUT (FORMAT BINARY)"))
                {
                    copy.CopyTo(buffer);
                }

                seedRows.Add((table, buffer.ToArray()));
            }
        }

        var truncate = $"TRUNCATE {string.Join(", ", tables.Select(t => $"\"{t}\""))} RESTART IDENTITY CASCADE";
        return new Template(name, truncate, seedRows);
    }

    private static void DropAll()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var name in All.Keys)
        {
            try
            {
                AdminCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }
#pragma warning disable CA1031 // Best effort at exit; a throwaway server is dropped as a whole anyway.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private static void AdminCommand(string sql)
    {
        using var connection = new NpgsqlConnection(TestDatabase.PostgresServer);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private sealed record Template(string Name, string TruncateSql, List<(string Table, byte[] Rows)> SeedRows);
}
