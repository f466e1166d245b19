using MudBlazor;

namespace Portal.Components.Layout;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1e2a78",
            // Darker than MudBlazor's defaults so text and outlined chips pass WCAG AA contrast.
            Secondary = "#b23a17",
            Success = "#2e7d32",
            Warning = "#8a5300",
            Error = "#c62828",
            Info = "#1565c0",
            TextSecondary = "#55595f",
            AppbarBackground = "#1e2a78",
            Background = "#f6f7fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#ff8a65",
        },
    };
}
