using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Entitlements;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Entitlements;

public sealed class FeaturesPageTests : PortalComponentTest
{
    private static readonly string Beacon = DemoSeed.OrgId("Beacon Podcasts");

    public FeaturesPageTests() => Catalogs.SyncAsync(Database, Catalogs.FromAppSettings()).GetAwaiter().GetResult();

    private IRenderedComponent<FeaturesPage> RenderFor(string orgId)
    {
        var page = RenderWithProviders<FeaturesPage>(p => p.Add(x => x.OrgId, orgId));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("h1")));
        return page;
    }

    /// <summary>The switch whose accessible name is <paramref name="name"/> (MudSwitch labels its input through aria-labelledby).</summary>
    /// Both lookups run on the renderer, so no render (the page loads asynchronously) can fall between them.
    internal static AngleSharp.Dom.IElement Toggle(IRenderedComponent<FeaturesPage> page, string name) =>
        page.InvokeAsync(() =>
        {
            var label = page.FindAll("span.mud-sr-only").Single(span => span.TextContent == name);
            return page.Find($"input[role='switch'][aria-labelledby='{label.Id}']");
        }).GetAwaiter().GetResult();

    private static string ReasonOf(IRenderedComponent<FeaturesPage> page, string key) =>
        page.Find($"[data-testid='feature-{key}'] [data-testid='reason']").TextContent.Trim();

    [DataFact]
    public void An_item_the_parent_lacks_shows_where_it_is_off_and_its_toggle_is_disabled()
    {
        var page = RenderFor(Beacon);

        Assert.Equal("Not available: off at Acme Audio Platform", ReasonOf(page, "voice:nova-studio"));
        Assert.True(Toggle(page, "Nova Studio").HasAttribute("disabled"));
        Assert.Equal("On", ReasonOf(page, "voice:aurora-studio"));
        Assert.False(Toggle(page, "Aurora Studio").HasAttribute("disabled"));
        Assert.Equal("Off here", ReasonOf(page, "capability:voice-cloning"));
    }

    [DataFact]
    public void Switching_an_item_off_stores_it_confirms_it_and_shows_the_new_state()
    {
        var page = RenderFor(Beacon);

        // Found and changed in one step: with an asynchronous database the page may render again in between.
        page.InvokeAsync(() => Toggle(page, "Aurora Studio").Change(false)).GetAwaiter().GetResult();

        page.WaitForAssertion(() => Assert.Equal("Off here", ReasonOf(page, "voice:aurora-studio")));
        var snackbar = Services.GetRequiredService<MudBlazor.ISnackbar>();
        Assert.Contains(snackbar.ShownSnackbars, s => s.Message == "Aurora Studio switched off for Beacon Podcasts.");
    }

    [DataFact]
    public void The_super_org_switches_one_item_for_a_child_from_the_child_orgs_view()
    {
        var page = RenderFor(DemoSeed.OrgId(DemoSeed.SuperOrgName));

        page.InvokeAsync(() => page.FindAll(".mud-tab").Single(tab => tab.TextContent.Trim() == "Child orgs").Click()).GetAwaiter().GetResult();
        page.WaitForAssertion(() => Assert.NotNull(Toggle(page, "Aria for Dune Radio")));
        page.InvokeAsync(() => Toggle(page, "Aria for Dune Radio").Change(false)).GetAwaiter().GetResult();

        var snackbar = Services.GetRequiredService<MudBlazor.ISnackbar>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message == "Aria switched off for 1 org."));
        Assert.Equal("false", Toggle(page, "Aria for Dune Radio").GetAttribute("aria-checked"));
        Assert.Equal("true", Toggle(page, "Aria for Beacon Podcasts").GetAttribute("aria-checked"));
    }

    [DataFact]
    public void Search_narrows_the_list()
    {
        var page = RenderFor(Beacon);

        page.Find("input[type='text']").Input("studio");

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid^='feature-voice:']").Count));
        Assert.Empty(page.FindAll("[data-testid^='feature-activity:']"));
    }
}

public sealed class FeaturesPageForChildAdminTests : PortalComponentTest
{
    public FeaturesPageForChildAdminTests()
        : base("grace@beacon.test") => Catalogs.SyncAsync(Database, Catalogs.FromAppSettings()).GetAwaiter().GetResult();

    [DataFact]
    public void A_child_org_admin_sees_their_allocation_with_reasons_but_cannot_change_it()
    {
        var page = RenderWithProviders<FeaturesPage>(p => p.Add(x => x.OrgId, DemoSeed.OrgId("Beacon Podcasts")));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("h1")));

        Assert.Contains("allocated by Acme Audio Platform", page.Find("[data-testid='read-only-notice']").TextContent, StringComparison.Ordinal);
        var toggles = page.FindAll("[data-testid^='feature-'] input[role='switch']");
        Assert.Equal(24, toggles.Count);
        Assert.All(toggles, toggle => Assert.True(toggle.HasAttribute("disabled")));
        Assert.True(FeaturesPageTests.Toggle(page, "Aurora Studio").HasAttribute("disabled"));
        Assert.Equal("Not available: off at Acme Audio Platform",
            page.Find("[data-testid='feature-voice:nova-studio'] [data-testid='reason']").TextContent.Trim());
    }
}
