using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

/// <summary>The parts of the layout every page has: the act-as switcher and the acting banner.</summary>
public sealed class AppShell(PortalPage portal)
{
    private IPage Page => portal.Page;

    public ILocator ActingBanner => Page.GetByTestId("acting-banner");

    public async Task StartActingAsAsync(string orgName, string? reason = null)
    {
        var switcher = Page.GetByRole(AriaRole.Banner).GetByPlaceholder("Act as org…");
        await switcher.ClickAsync();
        await switcher.FillAsync(orgName);
        await Page.GetByTestId("act-as-option").Filter(new() { HasText = orgName }).First.ClickAsync();
        if (reason is not null)
        {
            await Page.GetByLabel("Reason", new() { Exact = false }).FillAsync(reason);
        }

        await Page.GetByRole(AriaRole.Button, new() { Name = "Start acting" }).ClickAsync();
        await Assertions.Expect(ActingBanner).ToContainTextAsync(orgName);
        await portal.WaitUntilInteractiveAsync();
    }

    public async Task StopActingAsync()
    {
        await ActingBanner.GetByRole(AriaRole.Button, new() { Name = "Stop acting" }).ClickAsync();
        await Assertions.Expect(ActingBanner).ToHaveCountAsync(0);
        await portal.WaitUntilInteractiveAsync();
    }
}
