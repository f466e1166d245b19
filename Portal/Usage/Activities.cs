namespace Portal.Usage;

/// <summary>
/// The metered API activities, as the reference console groups them. Usage events name them by these keys; the
/// feature catalog lists them as items "activity:&lt;key&gt;".
/// </summary>
public static class Activities
{
    public static readonly IReadOnlyList<ActivityInfo> All =
    [
        new("speech", "Speech", "#f5a623"),
        new("speech-sync", "Speech/sync", "#e5534b"),
        new("file", "File", "#3b7ddd"),
        new("script", "Script", "#5bc8e6"),
        new("mastering", "Mastering", "#f062a8"),
        new("voice", "Voice", "#2fb36b"),
        new("sound", "Sound", "#6b6b6b"),
    ];

    private static readonly Dictionary<string, ActivityInfo> ByKey =
        All.ToDictionary(a => a.Key, StringComparer.Ordinal);

    /// <summary>Accepts "speech", "speech-sync", the reference's "speech/sync", or a catalog key "activity:speech".</summary>
    public static ActivityInfo? Find(string? name)
    {
        if (name is not null && ByKey.TryGetValue(name, out var exact))
        {
            return exact;
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
        {
            return null;
        }

        var key = name.Trim().ToLowerInvariant();
        if (key.StartsWith("activity:", StringComparison.Ordinal))
        {
            key = key["activity:".Length..];
        }

        return ByKey.GetValueOrDefault(key.Replace('/', '-'));
    }

    public static string CatalogKey(string activity) => "activity:" + activity;

    public static string DisplayName(string key) => ByKey.TryGetValue(key, out var info) ? info.DisplayName : key;
}

public sealed record ActivityInfo(string Key, string DisplayName, string Color);
