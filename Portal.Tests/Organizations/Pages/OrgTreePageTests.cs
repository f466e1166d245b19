using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Portal.Data;
using Portal.Organizations;
using Portal.Organizations.Pages;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Organizations.Pages;

public sealed class OrgTreePageTests : PortalComponentTest
{
    private readonly string beaconId = DemoSeed.OrgId("Beacon Podcasts");

    [DataFact]
    public void The_tree_shows_the_scope_org_and_its_children_without_loading_grandchildren()
    {
        var grandchild = AddGrandchildUnderBeacon("Beacon Kids Shows");

        var page = RenderWithProviders<OrgTreePage>();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=tree-node]"), n => n.GetAttribute("data-org-id") == beaconId));
        Assert.Contains("1 child org", Node(page, beaconId).TextContent, StringComparison.Ordinal);
        Assert.Matches(@"^[\d,]+ credits this month$", Node(page, beaconId).QuerySelector("[data-testid=node-credits]")!.TextContent.Trim());
        Assert.DoesNotContain(page.FindAll("[data-testid=tree-node]"), n => n.GetAttribute("data-org-id") == grandchild);
        Assert.DoesNotContain(page.FindAll("[data-testid=tree-node]"), n => n.TextContent.Contains("Zenith", StringComparison.Ordinal));
    }

    [DataFact]
    public void Expanding_a_node_loads_its_children_on_demand()
    {
        var grandchild = AddGrandchildUnderBeacon("Beacon Kids Shows");
        var page = RenderWithProviders<OrgTreePage>();
        page.WaitForAssertion(() => Node(page, beaconId));

        var beaconItem = Node(page, beaconId).Closest(".mud-treeview-item")!;
        beaconItem.QuerySelector("button")!.Click();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=tree-node]"), n => n.GetAttribute("data-org-id") == grandchild));
    }

    [DataFact]
    public void Search_lists_matches_by_name_with_their_path()
    {
        var page = RenderWithProviders<OrgTreePage>();
        page.WaitForAssertion(() => Node(page, beaconId));

        page.Find("input[aria-label='Search organizations']").Input("cobalt");

        page.WaitForAssertion(() =>
        {
            var results = page.Find("[data-testid=search-results]");
            Assert.Contains("Cobalt Learning", results.TextContent, StringComparison.Ordinal);
            Assert.Contains(DemoSeed.SuperOrgName, results.TextContent, StringComparison.Ordinal);
            Assert.DoesNotContain("Beacon", results.TextContent, StringComparison.Ordinal);
        });
    }

    [DataFact]
    public void Search_never_finds_orgs_outside_the_subtree()
    {
        var page = RenderWithProviders<OrgTreePage>();
        page.WaitForAssertion(() => Node(page, beaconId));

        page.Find("input[aria-label='Search organizations']").Input("Zenith");

        page.WaitForAssertion(() => Assert.Contains("No organization matches", page.Find("[data-testid=search-results]").TextContent, StringComparison.Ordinal));
    }

    private static IElement Node(IRenderedComponent<OrgTreePage> page, string orgId) =>
        page.FindAll("[data-testid=tree-node]").Single(n => n.GetAttribute("data-org-id") == orgId);

    private string AddGrandchildUnderBeacon(string name)
    {
        using var db = Database.CreateDbContext();
        var id = OrgIds.New();
        db.Organizations.Add(new Organization { Id = id, Name = name, ParentId = beaconId, Depth = 2, CreatedAt = DateTime.UtcNow });
        db.OrgAncestries.AddRange(
            new OrgAncestry { AncestorId = id, DescendantId = id, Distance = 0 },
            new OrgAncestry { AncestorId = beaconId, DescendantId = id, Distance = 1 },
            new OrgAncestry { AncestorId = DemoSeed.OrgId(DemoSeed.SuperOrgName), DescendantId = id, Distance = 2 });
        db.SaveChanges();
        return id;
    }
}
