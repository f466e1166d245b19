namespace Portal.Api;

/// <summary>
/// The one place that knows which paths are the REST API: they always answer JSON, never redirect to a sign-in
/// page and never re-execute to an HTML error page.
/// </summary>
public static class ApiPaths
{
    /// <summary>The SDK-compatible resources sit at the root, as on api.audio (the version is in the host there).</summary>
    private static readonly string[] Roots = ["api", "org", "secrets", "openapi"];

    public static bool IsApi(PathString path)
    {
        var value = path.Value;
        if (string.IsNullOrEmpty(value) || value[0] != '/')
        {
            return false;
        }

        var end = value.IndexOf('/', 1);
        var first = end < 0 ? value.AsSpan(1) : value.AsSpan(1, end - 1);
        foreach (var root in Roots)
        {
            if (first.Equals(root, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
