namespace Portal.Entitlements;

public static class FeatureKinds
{
    public static string Title(FeatureKind kind) => kind switch
    {
        FeatureKind.Voice => "Voices",
        FeatureKind.SoundDesign => "Sound designs",
        FeatureKind.Capability => "Capabilities",
        FeatureKind.Activity => "API activities",
        _ => kind.ToString(),
    };

    public static bool Matches(CatalogItemView item, string? search) =>
        string.IsNullOrWhiteSpace(search)
        || item.DisplayName.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase)
        || item.Key.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase)
        || item.Description.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase)
        || Title(item.Kind).Contains(search.Trim(), StringComparison.OrdinalIgnoreCase);
}
