namespace Portal.Identity;

/// <summary>Where a sign-in or sign-out may send the browser afterwards: only back into this portal.</summary>
public static class ReturnUrls
{
    /// <summary>
    /// True for a path on this site ("/orgs?x=1"). False for absolute URLs, protocol-relative ("//evil") and
    /// backslash tricks ("/\evil") that browsers treat as another host, and for control characters.
    /// </summary>
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/')
        {
            return false;
        }

        if (url.Length > 1 && (url[1] == '/' || url[1] == '\\'))
        {
            return false;
        }

        return !url.Any(c => char.IsControl(c) || c == '\\');
    }

    public static string LocalOrRoot(string? url) => IsLocal(url) ? url! : "/";
}
