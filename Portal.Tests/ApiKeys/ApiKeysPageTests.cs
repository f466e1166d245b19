using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.ApiKeys;
using Portal.Data;
using Portal.Tests.TestSupport;

namespace Portal.Tests.ApiKeys;

public sealed class ApiKeysPageTests() : PortalComponentTest("ada@acme.test")
{
    private static readonly string Beacon = DemoSeed.OrgId("Beacon Podcasts");

    [DataFact]
    public async Task Creating_a_key_shows_its_secret_once_then_lists_it_by_prefix()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = RenderWithProviders<ApiKeysPage>(p => p.Add(x => x.OrgId, Beacon));
        page.WaitForAssertion(() => Assert.Contains("No API keys yet", page.Markup, StringComparison.Ordinal));

        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains("Create key", StringComparison.Ordinal)).Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Scopes", dialogs.Markup, StringComparison.Ordinal));
        dialogs.Find("input[type=text]").Input("Gateway");
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Create").Click());

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=api-key-secret]")));
        var secret = dialogs.Find("[data-testid=api-key-secret]").TextContent.Trim();
        Assert.True(ApiKeySecrets.IsWellFormed(secret));
        Assert.NotEmpty(dialogs.FindAll("button[aria-label='Copy secret']"));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Done").Click());

        page.WaitForAssertion(() => Assert.Contains(ApiKeySecrets.PrefixOf(secret), page.Find("[data-testid=api-keys]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, page.Markup, StringComparison.Ordinal);
        await using var db = Database.CreateDbContext();
        var stored = await db.Set<ApiKey>().SingleAsync(k => k.OrgId == Beacon);
        Assert.Equal("Gateway", stored.Name);
        Assert.Equal(ApiKeyScopes.OrgRead, stored.Scopes);
    }

    [DataFact]
    public async Task Revoking_asks_for_confirmation_then_marks_the_key_revoked()
    {
        var issued = await Services.GetService<ApiKeyService>()!.CreateAsync(Beacon, "old script", [ApiKeyScopes.OrgRead], null, CancellationToken.None);
        var dialogs = Render<MudDialogProvider>();
        var page = RenderWithProviders<ApiKeysPage>(p => p.Add(x => x.OrgId, Beacon));
        page.WaitForAssertion(() => Assert.Contains("old script", page.Markup, StringComparison.Ordinal));

        await page.InvokeAsync(() => page.Find("button[aria-label='Revoke old script']").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("stops working immediately", dialogs.Markup, StringComparison.Ordinal));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click());

        page.WaitForAssertion(() => Assert.Contains("Revoked", page.Find("[data-testid=api-keys]").TextContent, StringComparison.Ordinal));
        await using var db = Database.CreateDbContext();
        Assert.NotNull((await db.Set<ApiKey>().SingleAsync(k => k.Id == issued.Key.Id)).RevokedAt);
    }

    [DataFact]
    public void Someone_without_the_permission_is_told_so()
    {
        var viewer = DemoSeed.UserByEmail("eve@acme.test");
        Tenant.SetUser(viewer.Id, viewer.DisplayName, DemoSeed.OrgId(viewer.OrgName));

        var page = RenderWithProviders<ApiKeysPage>(p => p.Add(x => x.OrgId, Beacon));

        page.WaitForAssertion(() => Assert.Contains("Manage API keys", page.Markup, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=api-keys]"));
    }
}
