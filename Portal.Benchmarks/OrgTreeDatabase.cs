using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Portal.Data;
using Portal.Entitlements;
using Portal.Organizations;

namespace Portal.Benchmarks;

/// <summary>
/// A SQLite file with a generated tree of 10,000 orgs, five levels below one top-level org, where every org holds
/// the whole shipped catalog. Built once and reused by every benchmark process (delete the file to rebuild it).
/// </summary>
public static class OrgTreeDatabase
{
    public const int OrgCount = 10_000;

    // Orgs per depth: 1 + 100 + 900 + 3,000 + 3,000 + 2,999 = 10,000.
    private static readonly int[] LevelSizes = [1, 100, 900, 3_000, 3_000, 2_999];

    /// <summary>Named after the newest migration, so a schema change builds a fresh file.</summary>
    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "portal-benchmarks", $"org-tree-10000-{LatestMigration()}.db");

    private static string LatestMigration()
    {
        using var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=:memory:").Options);
        return db.Database.GetMigrations().Last();
    }

    public static string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path }.ToString();

    /// <summary>The first org generated at a depth (0 = the top-level org).</summary>
    public static string OrgAtDepth(int depth) => IdOf(LevelSizes.Take(depth).Sum());

    public static IDbContextFactory<PortalDbContext> Factory() => new Contexts();

    public static void EnsureCreated()
    {
        if (File.Exists(Path))
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var building = Path + ".building";
        File.Delete(building);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = building, Pooling = false }.ToString();
        using (var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(connectionString).Options))
        {
            db.Database.Migrate();
            Generate(db);
        }

        SqliteConnection.ClearAllPools();
        File.Move(building, Path);
    }

    private static void Generate(PortalDbContext db)
    {
        var createdAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var orgs = new List<Organization>(OrgCount);
        var levels = new List<List<Organization>>();
        for (var depth = 0; depth < LevelSizes.Length; depth++)
        {
            var level = new List<Organization>();
            for (var i = 0; i < LevelSizes[depth]; i++)
            {
                var parent = depth == 0 ? null : levels[depth - 1][i % levels[depth - 1].Count];
                var org = new Organization
                {
                    Id = IdOf(orgs.Count),
                    Name = $"Org {orgs.Count}",
                    ParentId = parent?.Id,
                    Depth = depth,
                    CreatedAt = createdAt,
                };
                level.Add(org);
                orgs.Add(org);
            }

            levels.Add(level);
        }

        var byId = orgs.ToDictionary(o => o.Id);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Organizations.AddRange(orgs);
        foreach (var org in orgs)
        {
            var distance = 0;
            for (var ancestor = org; ancestor is not null; ancestor = ancestor.ParentId is null ? null : byId[ancestor.ParentId], distance++)
            {
                db.OrgAncestries.Add(new OrgAncestry { AncestorId = ancestor.Id, DescendantId = org.Id, Distance = distance });
            }
        }

        db.SaveChanges();
        db.ChangeTracker.Clear();

        // The top-level org gets the whole catalog from the sync; every other org is given all of it, row by row.
        var catalog = ShippedCatalog();
        FeatureCatalogSync.SyncAsync(db, catalog, createdAt, CancellationToken.None).GetAwaiter().GetResult();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO FeatureAllocations (OrgId, ItemKey, Enabled, MonthlyCreditLimit, IncludedForNewChildren, UpdatedAt) VALUES ($org, $item, 1, NULL, 1, $at)";
        var orgParameter = insert.CreateParameter();
        orgParameter.ParameterName = "$org";
        var itemParameter = insert.CreateParameter();
        itemParameter.ParameterName = "$item";
        var atParameter = insert.CreateParameter();
        atParameter.ParameterName = "$at";
        atParameter.Value = createdAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        insert.Parameters.Add(orgParameter);
        insert.Parameters.Add(itemParameter);
        insert.Parameters.Add(atParameter);
        foreach (var org in orgs.Where(o => o.ParentId is not null))
        {
            foreach (var item in catalog)
            {
                orgParameter.Value = org.Id;
                itemParameter.Value = item.Key;
                insert.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    private static List<CatalogItemOptions> ShippedCatalog() =>
        new ConfigurationBuilder().AddJsonFile(System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()
            .GetSection(EntitlementsOptions.Section).Get<EntitlementsOptions>()!.Catalog;

    private static string IdOf(int index) => OrgIds.Deterministic($"benchmark-org:{index}");

    private sealed class Contexts : IDbContextFactory<PortalDbContext>
    {
        private readonly DbContextOptions<SqlitePortalDbContext> options =
            new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(ConnectionString).Options;

        public PortalDbContext CreateDbContext() => new SqlitePortalDbContext(options);
    }
}
