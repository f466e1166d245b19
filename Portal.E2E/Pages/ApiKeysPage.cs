using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class ApiKeysPage(PortalPage portal)
{
    private IPage Page => portal.Page;

    public ILocator Keys => Page.GetByTestId("api-keys");

    public ILocator Dialog => Page.GetByRole(AriaRole.Dialog);

    public Task OpenAsync(string orgId) => portal.GoToAsync($"/orgs/{orgId}/api-keys");

    /// <summary>Creates a key with the default scope and returns its secret, read from the dialog before closing it.</summary>
    public async Task<string> CreateAsync(string name)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" }).FillAsync(name);
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var secret = Dialog.GetByTestId("api-key-secret");
        await Assertions.Expect(secret).ToBeVisibleAsync();
        await Assertions.Expect(Dialog.GetByRole(AriaRole.Button, new() { Name = "Copy secret" })).ToBeVisibleAsync();
        return (await secret.TextContentAsync())!.Trim();
    }

    public Task CloseDialogAsync() => Dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

    public async Task RevokeAsync(string name)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {name}" }).ClickAsync();
        await Dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
    }
}
