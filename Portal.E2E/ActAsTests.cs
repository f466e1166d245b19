using Microsoft.Playwright;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class ActAsTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_super_org_admin_acts_as_a_child_sees_only_it_changes_it_and_the_audit_log_names_both()
    {
        // Ben (an admin) rather than Ada, so a stored act-as session never leaks into the owner's other tests.
        var portal = await browser.SignIn.NewPageAsAsync("ben@acme.test");
        var shell = new AppShell(portal);
        var home = new HomePage(portal);
        var org = new OrgDetailPage(portal);
        var duneId = DemoSeed.OrgId("Dune Radio");

        await home.OpenAsync();
        await shell.StartActingAsAsync("Dune Radio", reason: "support ticket 4711");

        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Dune Radio");
        await Assertions.Expect(portal.Page.GetByText("Beacon Podcasts")).ToHaveCountAsync(0);
        // While acting, a sibling's page is simply not there.
        await portal.GoToAsync($"/orgs/{DemoSeed.OrgId("Beacon Podcasts")}");
        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();

        await org.OpenAsync(duneId);
        await org.RenameAsync("Dune Radio Network");
        await shell.StopActingAsync();

        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Acme Audio Platform");
        await org.OpenAsync(DemoSeed.OrgId(DemoSeed.SuperOrgName), tab: "audit");
        var renamed = org.AuditLog.GetByRole(AriaRole.Row).Filter(new() { HasText = "org.renamed" });
        await Assertions.Expect(renamed).ToContainTextAsync("Ben Okafor");
        await Assertions.Expect(renamed).ToContainTextAsync("Dune Radio Network");
        await Assertions.Expect(org.AuditLog.GetByRole(AriaRole.Row).Filter(new() { HasText = "actas.started" })).ToContainTextAsync("support ticket 4711");
        await Assertions.Expect(org.AuditLog.GetByRole(AriaRole.Row).Filter(new() { HasText = "actas.stopped" })).ToHaveCountAsync(1);
        // The one 404 is the sibling page probed above.
        Assert.All(portal.ConsoleErrors, e => Assert.Contains("status of 404", e, StringComparison.Ordinal));
        await portal.CloseAsync();
    }

    [Theory]
    [InlineData("Cobalt Learning")]
    [InlineData(DemoSeed.SuperOrgName)]
    [InlineData("Zenith Audiobooks")]
    public async Task A_child_org_admin_who_types_another_orgs_id_into_the_url_gets_the_not_found_page(string otherOrg)
    {
        var portal = await browser.SignIn.NewPageAsAsync("grace@beacon.test");

        var response = await portal.Page.GotoAsync($"/orgs/{DemoSeed.OrgId(otherOrg)}");

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await Assertions.Expect(portal.Page.GetByText(otherOrg)).ToHaveCountAsync(0);
        await portal.CloseAsync();
    }
}
