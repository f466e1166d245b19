using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Tests.TestSupport;

/// <summary>
/// A real SQLite database file per test, copied from a template migrated once per test run
/// (migrating every time would dominate the suite's time).
/// </summary>
public sealed class TestDatabase : IDbContextFactory<PortalDbContext>, IDisposable
{
    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string path;

    public TestDatabase()
    {
        path = Path.Combine(Path.GetTempPath(), "portal-tests", $"{Guid.NewGuid():N}.db");
        File.Copy(Template.Value, path);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
    }

    public string ConnectionString { get; }

    public PortalDbContext CreateDbContext() =>
        new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(ConnectionString).Options);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }

    private static string CreateTemplate()
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
