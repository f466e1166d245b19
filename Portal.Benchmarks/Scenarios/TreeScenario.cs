using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Organizations;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// The org tree page's data loads (open: the scope org, its overview and its children; expand: one node's children;
/// search) on the generated 10,000-org tree against a 10-org tree, in the same run.
/// </summary>
public static class TreeScenario
{
    public static async Task RunAsync()
    {
        OrgTreeDatabase.EnsureCreated();
        var smallPath = CreateSmallTree();
        await using var large = await ScenarioHost.OpenAsync(OrgTreeDatabase.Path, OrgTreeDatabase.OrgAtDepth(0));
        await using var small = await ScenarioHost.OpenAsync(smallPath, OrgIds.Deterministic("small:0"));

        var smallOpen = await Measure.TimeAsync("open the tree page, 10-org tree", () => OpenAsync(small));
        var largeOpen = await Measure.TimeAsync("open the tree page, 10,000-org tree", () => OpenAsync(large));
        var smallExpand = await Measure.TimeAsync("expand a node, 10-org tree", () => ExpandAsync(small, OrgIds.Deterministic("small:1")));
        var largeExpand = await Measure.TimeAsync("expand a node, 10,000-org tree", () => ExpandAsync(large, OrgTreeDatabase.OrgAtDepth(1)));
        var smallSearch = await Measure.TimeAsync("search by name, 10-org tree", () => SearchAsync(small, "Small 7"));
        var largeSearch = await Measure.TimeAsync("search by name, 10,000-org tree", () => SearchAsync(large, "Org 7777"));

        Measure.Report("Org tree page (baseline: opening the 10-org tree)", smallOpen, largeOpen, smallExpand, largeExpand, smallSearch, largeSearch);
        Console.WriteLine($"  ratios 10,000 vs 10 orgs: open {largeOpen.MedianMs / smallOpen.MedianMs:0.00}, expand {largeExpand.MedianMs / smallExpand.MedianMs:0.00}, search {largeSearch.MedianMs / smallSearch.MedianMs:0.00}");
        File.Delete(smallPath);
    }

    private static async Task OpenAsync(ScenarioHost host)
    {
        await using var scope = host.Scope();
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        var overview = await organizations.GetCurrentOverviewAsync(CancellationToken.None);
        await organizations.GetNodeAsync(overview!.Org.Id, CancellationToken.None);
        await organizations.GetChildNodesAsync(overview.Org.Id, CancellationToken.None);
    }

    private static async Task ExpandAsync(ScenarioHost host, string orgId)
    {
        await using var scope = host.Scope();
        await scope.ServiceProvider.GetRequiredService<OrganizationService>().GetChildNodesAsync(orgId, CancellationToken.None);
    }

    private static async Task SearchAsync(ScenarioHost host, string text)
    {
        await using var scope = host.Scope();
        await scope.ServiceProvider.GetRequiredService<OrganizationService>().SearchAsync(text, 30, CancellationToken.None);
    }

    /// <summary>One top-level org with three children, each with two children: ten orgs.</summary>
    private static string CreateSmallTree()
    {
        var path = Path.Combine(Path.GetTempPath(), "portal-benchmarks", $"small-tree-{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()).Options);
        db.Database.Migrate();
        var orgs = new List<Organization>();
        for (var i = 0; i < 10; i++)
        {
            var parent = i == 0 ? null : orgs[i <= 3 ? 0 : 1 + ((i - 4) / 2)];
            orgs.Add(new Organization { Id = OrgIds.Deterministic($"small:{i}"), Name = $"Small {i}", ParentId = parent?.Id, Depth = parent is null ? 0 : parent.Depth + 1 });
        }

        db.Organizations.AddRange(orgs);
        var byId = orgs.ToDictionary(o => o.Id);
        foreach (var org in orgs)
        {
            var distance = 0;
            for (var ancestor = org; ancestor is not null; ancestor = ancestor.ParentId is null ? null : byId[ancestor.ParentId], distance++)
            {
                db.OrgAncestries.Add(new OrgAncestry { AncestorId = ancestor.Id, DescendantId = org.Id, Distance = distance });
            }
        }

        db.SaveChanges();
        return path;
    }
}
