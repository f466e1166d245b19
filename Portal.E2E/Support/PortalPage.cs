using Microsoft.Playwright;

namespace Portal.E2E.Support;

/// <summary>A browser page that keeps the console errors it saw and knows when the Blazor circuit is up.</summary>
public sealed class PortalPage
{
    private readonly List<string> consoleErrors = [];

    public PortalPage(IPage page)
    {
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => consoleErrors.Add(error);
    }

    public IPage Page { get; }

    public IReadOnlyList<string> ConsoleErrors => consoleErrors;

    /// <summary>Opens a path and waits until the page is interactive, so clicks are not lost.</summary>
    public async Task GoToAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitUntilInteractiveAsync();
    }

    public Task WaitUntilInteractiveAsync() =>
        Page.Locator("#portal-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public async ValueTask CloseAsync() => await Page.Context.CloseAsync();
}
