using System.Globalization;
using Microsoft.Playwright;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class UsageTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_usage_page_draws_its_charts_with_the_seeded_totals_and_a_child_donut_opens_that_childs_usage()
    {
        var portal = await browser.SignIn.NewPageAsAsync(DemoSignIn.Owner);
        var usage = new UsagePage(portal);
        var beaconId = DemoSeed.OrgId("Beacon Podcasts");

        await usage.OpenAsync();

        await Assertions.Expect(UsagePage.DrawnChart(usage.PeriodDonut)).ToBeVisibleAsync();
        await Assertions.Expect(UsagePage.DrawnChart(usage.DailyChart)).ToBeVisibleAsync();
        var total = long.Parse((await usage.PeriodTotal.InnerTextAsync()).Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        Assert.True(total > 0, "the demo data has usage this period");
        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), await usage.PeriodDonut.GetAttributeAsync("data-chart-total"));
        // The donut's centre label is drawn by ApexCharts from the series it was given.
        await Assertions.Expect(usage.PeriodDonut.Locator(".apexcharts-datalabels-group").First).ToContainTextAsync(total.ToString(CultureInfo.InvariantCulture));

        // A click on the child's donut opens that child.
        await Assertions.Expect(UsagePage.DrawnChart(usage.ChildDonut(beaconId))).ToBeVisibleAsync();
        await usage.ChildDonut(beaconId).Locator("path.apexcharts-pie-area").First.ClickAsync(new() { Force = true });

        await Assertions.Expect(portal.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/orgs/{beaconId}\\?tab=usage$"));
        await Assertions.Expect(portal.Page.GetByTestId("org-name")).ToHaveTextAsync("Beacon Podcasts");
        await Assertions.Expect(UsagePage.DrawnChart(usage.PeriodDonut)).ToBeVisibleAsync();
        Assert.Empty(portal.ConsoleErrors);
        await portal.CloseAsync();
    }
}
