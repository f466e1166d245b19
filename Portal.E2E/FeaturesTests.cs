using Microsoft.Playwright;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class FeaturesTests(BrowserFixture browser)
{
    private const string Voice = "voice:aurora-studio";

    [Fact]
    public async Task The_super_org_switches_a_voice_off_for_a_child_whose_own_admin_then_sees_it_unavailable_and_back()
    {
        var beaconId = DemoSeed.OrgId("Beacon Podcasts");
        var superAdmin = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);
        var childAdmin = await browser.SignIn.NewPageAsAsync("grace@beacon.test");
        var asSuper = new FeaturesPage(superAdmin);
        var asChild = new FeaturesPage(childAdmin);

        await asSuper.OpenAsync(beaconId);
        await Assertions.Expect(asSuper.Switch("Aurora Studio")).ToBeCheckedAsync();
        await asSuper.ToggleAsync("Aurora Studio");
        await Assertions.Expect(asSuper.Switch("Aurora Studio")).Not.ToBeCheckedAsync();

        await asChild.OpenAsync(beaconId);
        await Assertions.Expect(asChild.Reason(Voice)).ToContainTextAsync("Off");
        await Assertions.Expect(asChild.Switch("Aurora Studio")).Not.ToBeCheckedAsync();
        await Assertions.Expect(asChild.Switch("Aurora Studio")).ToBeDisabledAsync();

        await asSuper.ToggleAsync("Aurora Studio");
        await Assertions.Expect(asSuper.Switch("Aurora Studio")).ToBeCheckedAsync();

        await asChild.OpenAsync(beaconId);
        await Assertions.Expect(asChild.Reason(Voice)).Not.ToContainTextAsync("Off");
        await Assertions.Expect(asChild.Switch("Aurora Studio")).ToBeCheckedAsync();
        Assert.Empty(superAdmin.ConsoleErrors);
        Assert.Empty(childAdmin.ConsoleErrors);
        await superAdmin.CloseAsync();
        await childAdmin.CloseAsync();
    }
}
