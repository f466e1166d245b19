namespace Portal.Entitlements;

/// <summary>The <c>Entitlements</c> configuration section.</summary>
public sealed class EntitlementsOptions
{
    public const string Section = "Entitlements";

    public List<CatalogItemOptions> Catalog { get; set; } = [];
}

public sealed class CatalogItemOptions
{
    public string Key { get; set; } = "";
    public FeatureKind Kind { get; set; }
    public string DisplayName { get; set; } = "";
    public string Description { get; set; } = "";
    public bool Premium { get; set; }
}

public static class CatalogValidation
{
    /// <summary>Every problem with a configured catalog, in words an operator can act on; empty when it is fine.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<CatalogItemOptions> items)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var label = string.IsNullOrWhiteSpace(item.Key) ? $"item '{item.DisplayName}'" : $"'{item.Key}'";
            if (!CatalogKeys.IsWellFormed(item.Key))
            {
                problems.Add($"{label}: a key is 'kind:slug', e.g. 'voice:aria' (kinds: voice, sound-design, capability, activity; slug: lowercase letters, digits and single hyphens).");
                continue;
            }

            if (!seen.Add(item.Key))
            {
                problems.Add($"{label} appears more than once.");
            }

            if (CatalogKeys.KindOf(item.Key) != item.Kind)
            {
                problems.Add($"{label}: its Kind is {item.Kind} but its prefix says {CatalogKeys.KindOf(item.Key)}.");
            }

            if (string.IsNullOrWhiteSpace(item.DisplayName) || item.DisplayName.Trim().Length > CatalogItem.MaxDisplayNameLength)
            {
                problems.Add($"{label}: give it a DisplayName of 1 to {CatalogItem.MaxDisplayNameLength} characters.");
            }

            if (item.Description.Length > CatalogItem.MaxDescriptionLength)
            {
                problems.Add($"{label}: descriptions are at most {CatalogItem.MaxDescriptionLength} characters.");
            }

            if (item.Kind == FeatureKind.Activity && !Activities.All.Contains(item.Key))
            {
                problems.Add($"{label}: activities are the API's categories ({string.Join(", ", Activities.All)}); a new one needs code.");
            }
        }

        foreach (var missing in Activities.All.Where(a => !seen.Contains(a)))
        {
            problems.Add($"'{missing}' is missing: every API activity must be in the catalog.");
        }

        return problems;
    }
}
