namespace Portal.Usage;

/// <summary>ApexCharts options for the usage pages, in one place so every chart looks and exports alike.</summary>
public static class UsageCharts
{
    private static readonly string[] Palette = ["#1e2a78", "#e4572e", "#2fb36b", "#f5a623", "#5bc8e6", "#8e44ad", "#f062a8", "#6b6b6b", "#3b7ddd", "#b8860b"];

    private static readonly object Toolbar = new { show = true, tools = new { download = true } };

    public static object Donut(IReadOnlyList<ActivityTotal> totals, string title, int height, bool dark, bool legend = true) => new
    {
        chart = new { type = "donut", height, toolbar = Toolbar, animations = new { enabled = false }, background = "transparent" },
        series = totals.Select(t => t.Credits).ToArray(),
        labels = totals.Select(t => Activities.DisplayName(t.Activity)).ToArray(),
        colors = totals.Select(t => Activities.Find(t.Activity)?.Color ?? "#999999").ToArray(),
        legend = new { show = legend, position = "right" },
        dataLabels = new { enabled = false },
        theme = new { mode = dark ? "dark" : "light" },
        title = new { text = title, style = new { fontSize = "14px" } },
        plotOptions = new { pie = new { donut = new { size = "60%", labels = new { show = true, total = new { show = true, label = "Credits" } } } } },
        tooltip = new { y = new { } },
        noData = new { text = "No usage in this period" },
    };

    public static object StackedDaily(DailyUsage daily, int height, bool dark) => new
    {
        chart = new { type = "bar", stacked = true, height, toolbar = Toolbar, animations = new { enabled = false }, background = "transparent" },
        series = daily.Series.Select(s => new { name = s.Name, data = s.Values }).ToArray(),
        xaxis = new { categories = daily.Days.Select(d => d.ToString("yyyy-MM-dd")).ToArray(), type = "category", tickAmount = 10 },
        colors = daily.Series.Select((s, i) => Activities.Find(s.Key)?.Color ?? Palette[i % Palette.Length]).ToArray(),
        dataLabels = new { enabled = false },
        legend = new { position = "top" },
        theme = new { mode = dark ? "dark" : "light" },
        plotOptions = new { bar = new { columnWidth = "80%" } },
        noData = new { text = "No usage in this range" },
    };
}
