using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class FeaturesPage(PortalPage portal)
{
    private IPage Page => portal.Page;

    public Task OpenAsync(string orgId) => portal.GoToAsync($"/orgs/{orgId}/features");

    public ILocator Switch(string displayName) => Page.GetByRole(AriaRole.Switch, new() { Name = displayName, Exact = true });

    public ILocator Reason(string itemKey) => Page.GetByTestId($"feature-{itemKey}").GetByTestId("reason");

    public async Task ToggleAsync(string displayName)
    {
        await Switch(displayName).ClickAsync();
        await Assertions.Expect(Page.Locator(".mud-snackbar").Last).ToBeVisibleAsync();
    }
}
