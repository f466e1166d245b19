using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class BillingPage(PortalPage portal)
{
    private IPage Page => portal.Page;

    public ILocator Total => Page.GetByTestId("statement-total");

    public Task OpenAsync() => portal.GoToAsync("/billing");

    /// <summary>Clicks Export CSV and returns the downloaded file's text.</summary>
    public async Task<string> ExportCsvAsync()
    {
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Button, new() { Name = "Export CSV" }).ClickAsync());
        var path = await download.PathAsync();
        return await File.ReadAllTextAsync(path);
    }
}
