using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Data;
using Portal.Organizations;
using Portal.Organizations.Pages;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Organizations.Pages;

public sealed class OrgNameDialogTests : PortalComponentTest
{
    private readonly string acmeId = DemoSeed.OrgId(DemoSeed.SuperOrgName);

    [Fact]
    public async Task An_empty_name_shows_an_inline_message_and_creates_nothing()
    {
        var (provider, _) = await OpenCreateDialogAsync();

        provider.Find("button:contains('Create')").Click();

        provider.WaitForAssertion(() => Assert.Contains("Give the organization a name.", provider.Markup, StringComparison.Ordinal));
        Assert.Equal(6, await ChildCountAsync());
    }

    [Fact]
    public async Task A_sibling_name_in_any_case_shows_the_services_message_inline()
    {
        var (provider, _) = await OpenCreateDialogAsync();

        provider.Find("input[data-testid=org-name-field]").Input("beacon podcasts");
        provider.Find("button:contains('Create')").Click();

        provider.WaitForAssertion(() => Assert.Contains("already called", provider.Markup, StringComparison.Ordinal));
        Assert.Equal(6, await ChildCountAsync());
    }

    [Fact]
    public async Task A_valid_name_creates_the_child_and_closes_with_it()
    {
        var (provider, dialog) = await OpenCreateDialogAsync();

        provider.Find("input[data-testid=org-name-field]").Input("Hollow Studios");
        provider.Find("button:contains('Create')").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("Hollow Studios", Assert.IsType<OrgSummary>(result!.Data).Name);
        Assert.Equal(7, await ChildCountAsync());
    }

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> OpenCreateDialogAsync()
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? dialog = null;
        await provider.InvokeAsync(async () => dialog = await dialogs.ShowAsync<OrgNameDialog>("New child organization",
            new DialogParameters<OrgNameDialog> { { d => d.ParentId, acmeId }, { d => d.ParentName, DemoSeed.SuperOrgName } }));
        provider.WaitForAssertion(() => Assert.NotEmpty(provider.FindAll("[data-testid=org-name-field]")));
        return (provider, dialog!);
    }

    private async Task<int> ChildCountAsync()
    {
        await using var db = Database.CreateDbContext();
        return db.Organizations.Count(o => o.ParentId == acmeId);
    }
}
