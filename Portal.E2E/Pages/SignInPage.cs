using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>The embedded provider's sign-in page (static server rendering: no circuit to wait for).</summary>
public sealed class SignInPage(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" });

    public ILocator Email => page.GetByLabel("Email", new() { Exact = true });

    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });

    public ILocator SignInButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" });

    public ILocator Error => page.GetByTestId("signin-error");

    public async Task SignInAsync(string email, string password)
    {
        await Assertions.Expect(Heading).ToBeVisibleAsync();
        await Email.FillAsync(email);
        await Password.FillAsync(password);
        await SignInButton.ClickAsync();
    }
}
