using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class HomePage(PortalPage portal)
{
    public ILocator OrgName => portal.Page.GetByTestId("current-org-name");

    public ILocator ChildOrgs => portal.Page.GetByTestId("child-orgs").GetByRole(AriaRole.Table);

    public ILocator SignedInUser => portal.Page.GetByTestId("signed-in-user");

    public Task OpenAsync() => portal.GoToAsync("/");
}
