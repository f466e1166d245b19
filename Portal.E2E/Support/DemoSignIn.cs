using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.E2E.Pages;

namespace Portal.E2E.Support;

/// <summary>
/// Signs a browser context in as a demo user through the real sign-in flow once per user, then reuses that
/// session (Playwright storage state) for every later page of the same user.
/// </summary>
public sealed class DemoSignIn(BrowserFixture browser)
{
    public const string Owner = "ada@acme.test";

    private readonly ConcurrentDictionary<string, string> storageStates = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim gate = new(1, 1);

    public string Password => browser.App.Services.GetRequiredService<IConfiguration>()["Authentication:DemoAccounts:Password"]
        ?? throw new InvalidOperationException("Authentication:DemoAccounts:Password is not set in appsettings.Development.json.");

    /// <summary>A fresh page (its own browser context) signed in as <paramref name="email"/>; it has not navigated yet.</summary>
    public async Task<PortalPage> NewPageAsAsync(string email = Owner) =>
        await browser.NewPageAsync(await StorageStateAsync(email));

    private async Task<string> StorageStateAsync(string email)
    {
        await gate.WaitAsync();
        try
        {
            if (!storageStates.TryGetValue(email, out var state))
            {
                var signingIn = await browser.NewPageAsync();
                await SignInThroughFormAsync(signingIn, email);
                storageStates[email] = state = await signingIn.Page.Context.StorageStateAsync();
                await signingIn.CloseAsync();
            }

            return state;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Opens the portal, lands on the sign-in page, signs in and waits for the interactive home page.</summary>
    public async Task SignInThroughFormAsync(PortalPage portal, string email, string startPath = "/")
    {
        await portal.Page.GotoAsync(startPath);
        await new SignInPage(portal.Page).SignInAsync(email, Password);
        await portal.WaitUntilInteractiveAsync();
    }
}
