using Microsoft.Playwright;
using Portal.E2E.Support;

namespace Portal.E2E.Pages;

public sealed class UsagePage(PortalPage portal)
{
    private IPage Page => portal.Page;

    public ILocator PeriodDonut => Page.GetByTestId("period-donut");

    public ILocator PeriodTotal => Page.GetByTestId("period-total");

    public ILocator DailyChart => Page.GetByTestId("daily-chart");

    public ILocator ChildDonut(string orgId) => Page.Locator($"[data-testid=child-donut][data-org-id='{orgId}']");

    public Task OpenAsync() => portal.GoToAsync("/usage");

    /// <summary>ApexCharts draws into an SVG once the circuit is up.</summary>
    public static ILocator DrawnChart(ILocator chart) => chart.Locator("svg.apexcharts-svg");
}
