using Bunit;
using Portal.Components.Pages;
using Portal.Data;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Components;

public sealed class HomePageTests : PortalComponentTest
{
    [DataFact]
    public void Shows_the_current_org_its_children_and_key_figures()
    {
        var page = RenderWithProviders<Home>();

        page.WaitForAssertion(() => Assert.Equal(DemoSeed.SuperOrgName, page.Find("[data-testid=current-org-name]").TextContent));
        Assert.Contains("Beacon Podcasts", page.Markup, StringComparison.Ordinal);
        Assert.Contains("Gamma News", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Zenith", page.Markup, StringComparison.Ordinal);
        Assert.Equal("Child orgs: 6", page.Find("[aria-label^='Child orgs']").GetAttribute("aria-label"));
        Assert.Equal("Suspended: 1", page.Find("[aria-label^='Suspended']").GetAttribute("aria-label"));
    }
}

public sealed class HomePageForChildAdminTests() : PortalComponentTest("grace@beacon.test")
{
    [DataFact]
    public void A_child_org_admin_sees_only_their_own_org()
    {
        var page = RenderWithProviders<Home>();

        page.WaitForAssertion(() => Assert.Equal("Beacon Podcasts", page.Find("[data-testid=current-org-name]").TextContent));
        Assert.DoesNotContain(DemoSeed.SuperOrgName, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Cobalt Learning", page.Markup, StringComparison.Ordinal);
    }
}
