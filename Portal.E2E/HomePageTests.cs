using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class HomePageTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_home_page_shows_the_demo_super_org_without_console_errors_or_serious_accessibility_problems()
    {
        var portal = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);
        var home = new HomePage(portal);

        await home.OpenAsync();

        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Acme Audio Platform");
        await Assertions.Expect(home.ChildOrgs).ToContainTextAsync("Beacon Podcasts");
        await Assertions.Expect(home.ChildOrgs).ToContainTextAsync("Echo Games");
        await Assertions.Expect(home.ChildOrgs).Not.ToContainTextAsync("Zenith");
        await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Ada Lovelace");

        var axe = await portal.Page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html).Take(3))})")
            .ToList();
        Assert.True(serious.Count == 0, "Accessibility violations:\n" + string.Join("\n", serious));
        Assert.Empty(portal.ConsoleErrors);
        await portal.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_address_shows_the_not_found_page()
    {
        var portal = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);

        var response = await portal.Page.GotoAsync("/no/such/page");

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await portal.CloseAsync();
    }
}
