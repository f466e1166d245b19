using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Entitlements;

public enum FeatureKind
{
    Voice = 0,
    SoundDesign = 1,
    Capability = 2,
    Activity = 3,
}

/// <summary>
/// One thing an org can be given: a voice, a sound design, a capability or an API activity.
/// The catalog is data: it is synchronised from configuration at start, and items that leave the
/// configuration are retired, never deleted, so allocations never point at nothing.
/// </summary>
public sealed class CatalogItem
{
    public const int MaxKeyLength = 100;
    public const int MaxDisplayNameLength = 100;
    public const int MaxDescriptionLength = 500;

    public required string Key { get; init; }
    public FeatureKind Kind { get; set; }
    public required string DisplayName { get; set; }
    public string Description { get; set; } = "";

    /// <summary>Premium items are not in a new top-level org's defaults for new child orgs: they are allocated on purpose.</summary>
    public bool IsPremium { get; set; }

    /// <summary>The position in the configured catalog, so pages list items in the order the operator wrote them.</summary>
    public int SortOrder { get; set; }
    public bool IsRetired { get; set; }
}

/// <summary>
/// Catalog keys are <c>kind:slug</c>: the kind's prefix (<c>voice</c>, <c>sound-design</c>, <c>capability</c>, <c>activity</c>)
/// and a slug of lowercase letters and digits in hyphen-separated words. An activity's slug is the API category
/// with '/' written as '-': <c>speech/sync</c> is <c>activity:speech-sync</c>. Keys are stable: the gateway, the usage
/// events and the allocations refer to them.
/// </summary>
public static partial class CatalogKeys
{
    public static string PrefixOf(FeatureKind kind) => kind switch
    {
        FeatureKind.Voice => "voice",
        FeatureKind.SoundDesign => "sound-design",
        FeatureKind.Capability => "capability",
        FeatureKind.Activity => "activity",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool IsWellFormed(string? key) => key is { Length: > 0 and <= CatalogItem.MaxKeyLength } && KeyPattern().IsMatch(key);

    public static FeatureKind? KindOf(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var prefix = key[..colon];
        foreach (var kind in Enum.GetValues<FeatureKind>())
        {
            if (PrefixOf(kind) == prefix)
            {
                return kind;
            }
        }

        return null;
    }

    [GeneratedRegex("^(voice|sound-design|capability|activity):[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}

/// <summary>The reference console's API categories. They are part of the API, so adding one needs code, not configuration.</summary>
public static class Activities
{
    public const string Speech = "activity:speech";
    public const string SpeechSync = "activity:speech-sync";
    public const string Script = "activity:script";
    public const string Mastering = "activity:mastering";
    public const string Voice = "activity:voice";
    public const string Sound = "activity:sound";
    public const string File = "activity:file";

    public static IReadOnlyList<string> All { get; } = [Speech, SpeechSync, Script, Mastering, Voice, Sound, File];

    /// <summary>The catalog key of an API category as the reference names it: "speech/sync" gives "activity:speech-sync".</summary>
    public static string KeyOf(string apiCategory) => "activity:" + apiCategory.Trim().Replace('/', '-').ToLowerInvariant();
}

internal sealed class CatalogItemConfiguration : IEntityTypeConfiguration<CatalogItem>
{
    public void Configure(EntityTypeBuilder<CatalogItem> item)
    {
        item.ToTable("FeatureCatalog");
        item.HasKey(i => i.Key);
        item.Property(i => i.Key).HasMaxLength(CatalogItem.MaxKeyLength);
        item.Property(i => i.DisplayName).HasMaxLength(CatalogItem.MaxDisplayNameLength);
        item.Property(i => i.Description).HasMaxLength(CatalogItem.MaxDescriptionLength);
    }
}
