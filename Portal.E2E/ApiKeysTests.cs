using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class ApiKeysTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_key_created_on_the_page_works_against_the_api_until_it_is_revoked_there()
    {
        var portal = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);
        var keys = new ApiKeysPage(portal);
        var beacon = DemoSeed.OrgId("Beacon Podcasts");
        await keys.OpenAsync(beacon);

        var secret = await keys.CreateAsync("Browser-made key");
        var axe = await portal.Page.RunAxe();
        await keys.CloseDialogAsync();

        await Assertions.Expect(keys.Keys).ToContainTextAsync(secret[..12]);
        await Assertions.Expect(keys.Keys).Not.ToContainTextAsync(secret);
        using var api = new HttpClient { BaseAddress = new Uri(browser.App.BaseUrl) };
        api.DefaultRequestHeaders.Add("x-api-key", secret);
        var before = await api.GetAsync("/org");
        Assert.Contains("Beacon Podcasts", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await keys.RevokeAsync("Browser-made key");
        await Assertions.Expect(keys.Keys).ToContainTextAsync("Revoked");
        var after = await api.GetAsync("/org");

        Assert.Equal(System.Net.HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, after.StatusCode);
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html).Take(3))})")
            .ToList();
        Assert.True(serious.Count == 0, "Accessibility violations:\n" + string.Join("\n", serious));
        Assert.Empty(portal.ConsoleErrors);
        await portal.CloseAsync();
    }
}
