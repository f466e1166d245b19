using Bunit;
using Portal.Access.Pages;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Access.Pages;

public sealed class ActAsSwitcherTests : PortalComponentTest
{
    [DataFact]
    public void The_switcher_lists_the_descendants_the_user_may_act_as_and_nothing_else()
    {
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var switcher = Render<ActAsSwitcher>();

        switcher.Find("input").Focus();
        switcher.Find("input").Input(" ");

        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll("[data-testid=act-as-option]")));
        var names = popovers.FindAll("[data-testid=act-as-option] > :first-child").Select(p => p.TextContent.Trim()).ToList();

        // Children of the home org; not the home org itself, not the closed Gamma News, nothing of Zenith.
        Assert.Equal(["Beacon Podcasts", "Cobalt Learning", "Dune Radio", "Echo Games", "Fable Kids"], names);
    }
}

public sealed class ActAsSwitcherForViewerTests() : PortalComponentTest("eve@acme.test")
{
    [DataFact]
    public void A_viewer_without_the_act_as_permission_gets_no_candidates()
    {
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var switcher = Render<ActAsSwitcher>();

        switcher.Find("input").Focus();
        switcher.Find("input").Input("a");

        popovers.WaitForAssertion(() => Assert.Contains("No org you may act as matches", popovers.Markup, StringComparison.Ordinal));
        Assert.Empty(popovers.FindAll("[data-testid=act-as-option]"));
    }
}
