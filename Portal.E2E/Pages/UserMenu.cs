using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

/// <summary>The app bar's user menu: the signed-in user's name, "My account" and "Sign out".</summary>
public sealed class UserMenu(PortalPage portal)
{
    public ILocator SignedInUser => portal.Page.GetByTestId("signed-in-user");

    public async Task SignOutAsync()
    {
        await portal.WaitUntilInteractiveAsync();
        await SignedInUser.GetByRole(AriaRole.Button).ClickAsync();
        await portal.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
    }
}
