using Microsoft.Playwright;

namespace Portal.E2E.Support;

/// <summary>One running portal and one headless Chromium (Debian's) shared by the tests of a collection.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public BrowserFixture()
    {
        SignIn = new DemoSignIn(this);
        // Short, so a test can watch a live page lose access after its user is removed.
        App.Settings["Authentication:RevalidationInterval"] = "00:00:01";
    }

    public PortalApp App { get; } = new();

    /// <summary>Signs pages in as demo users, reusing one session per user.</summary>
    public DemoSignIn SignIn { get; }

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App.Start();
        (playwright, Browser) = await LaunchChromiumAsync();
    }

    /// <summary>Debian's headless Chromium, with the flags it needs as root and without network access.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchChromiumAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>A fresh browser context (no cookies, or the given storage state) with a page that records console errors.</summary>
    public async Task<PortalPage> NewPageAsync(string? storageState = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl, StorageState = storageState });
        var page = await context.NewPageAsync();
        return new PortalPage(page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "portal";
}
