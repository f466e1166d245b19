using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class OrgDetailPage(PortalPage portal)
{
    private IPage Page => portal.Page;

    public ILocator Name => Page.GetByTestId("org-name");

    public Task OpenAsync(string orgId, string? tab = null) => portal.GoToAsync(tab is null ? $"/orgs/{orgId}" : $"/orgs/{orgId}?tab={tab}");

    public async Task RenameAsync(string newName)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        var field = Page.GetByRole(AriaRole.Dialog).GetByLabel("Name");
        await field.FillAsync(newName);
        await Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(Name).ToHaveTextAsync(newName);
    }

    public ILocator AuditLog => Page.GetByTestId("audit-log");
}
