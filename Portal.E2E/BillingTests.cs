using System.Globalization;
using Microsoft.Playwright;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class BillingTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_statement_csv_downloads_and_its_total_equals_the_pages_total()
    {
        var portal = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);
        var billing = new BillingPage(portal);

        await billing.OpenAsync();
        await Assertions.Expect(billing.Total).ToBeVisibleAsync();
        var pageTotal = decimal.Parse((await billing.Total.GetAttributeAsync("data-amount"))!, CultureInfo.InvariantCulture);
        await Assertions.Expect(portal.Page.GetByTestId("statement")).ToContainTextAsync("Beacon Podcasts");
        // Dune Radio pays for itself: it is not on Acme's statement.
        await Assertions.Expect(portal.Page.GetByTestId("statement")).Not.ToContainTextAsync("Dune Radio");

        var csv = await billing.ExportCsvAsync();

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("period,org_id,org_name,activity,credits,unit_price,amount,currency", lines[0]);
        var total = lines.Single(l => l.Contains(",total,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(pageTotal, decimal.Parse(total[6], CultureInfo.InvariantCulture));
        Assert.True(pageTotal > 0);
        Assert.Empty(portal.ConsoleErrors);
        await portal.CloseAsync();
    }
}
