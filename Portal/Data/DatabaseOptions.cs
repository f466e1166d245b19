namespace Portal.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start. On by default in Development; production runs `admin migrate`.</summary>
    public bool? MigrateOnStart { get; set; }

    /// <summary>Seed the demo tree at start (Development default).</summary>
    public bool? SeedDemoData { get; set; }
}
