using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Billing;
using Portal.Billing.Pages;
using Portal.Data;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Billing.Pages;

/// <summary>The parent's admin sees a child's webhook signing secret on request and can rotate it.</summary>
public sealed class SpendLimitDialogTests : PortalComponentTest
{
    private readonly string beaconId = DemoSeed.OrgId("Beacon Podcasts");

    [DataFact]
    public async Task The_signing_secret_is_shown_on_request_and_rotating_replaces_it()
    {
        var billing = Services.GetRequiredService<BillingService>();
        await billing.SetSpendLimitAsync(beaconId, 250_000, false, "https://hooks.example.test/beacon", CancellationToken.None);
        var child = (await billing.ChildSpendAsync(DemoSeed.OrgId(DemoSeed.SuperOrgName), CancellationToken.None)).Single(s => s.OrgId == beaconId);
        var provider = await OpenAsync(child);
        Assert.Empty(provider.FindAll("[data-testid=signing-secret]"));

        provider.Find("[data-testid=show-signing-secret]").Click();
        var shown = provider.WaitForElement("[data-testid=signing-secret]").TextContent;
        provider.Find("[data-testid=rotate-signing-secret]").Click();
        provider.WaitForAssertion(() => Assert.NotEqual(shown, provider.Find("[data-testid=signing-secret]").TextContent));

        var rotated = provider.Find("[data-testid=signing-secret]").TextContent;
        Assert.StartsWith(WebhookSigning.SecretMarker, shown, StringComparison.Ordinal);
        Assert.Equal(rotated, (await billing.GetAlertWebhookAsync(beaconId, CancellationToken.None))!.SigningSecret);
        await using var db = Database.CreateDbContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "billing.webhook_secret_rotated" && a.TargetOrgId == beaconId));
    }

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(SpendStatus child)
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<SpendLimitDialog>("Billing", new DialogParameters<SpendLimitDialog> { { d => d.Child, child } }));
        provider.WaitForAssertion(() => Assert.NotEmpty(provider.FindAll("[data-testid=show-signing-secret]")));
        return provider;
    }
}
