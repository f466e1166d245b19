using Npgsql;
using Portal.Data;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// PORTAL_BENCH_POSTGRES: a connection string to a server where the benchmarks may create databases (they keep the
/// generated ones, named portal_bench_*, for the next run). Scenarios run on PostgreSQL when it is set.
/// </summary>
public static class BenchPostgres
{
    public const string Variable = "PORTAL_BENCH_POSTGRES";

    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static async Task<bool> ExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", connection);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteScalarAsync() is true;
    }

    public static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    public static BenchDatabase Database(string name) =>
        new(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(Server) { Database = name, CommandTimeout = 0 }.ToString());

    public static async Task ExecuteAsync(BenchDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}
