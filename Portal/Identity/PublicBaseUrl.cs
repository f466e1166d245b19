namespace Portal.Identity;

/// <summary>
/// The one address the portal is reached at (Portal:PublicBaseUrl), used for the issuer, redirect URIs and
/// sign-out URIs. "localhost" and "127.0.0.1" are different hosts to cookies and to OpenID Connect, so pin one.
/// Defaults to the first address Kestrel listens on.
/// </summary>
public sealed class PublicBaseUrl
{
    public const string Setting = "Portal:PublicBaseUrl";

    public PublicBaseUrl(Uri value)
    {
        var text = value.GetLeftPart(UriPartial.Path);
        Value = new Uri(text.EndsWith('/') ? text : text + "/");
    }

    /// <summary>Always ends with a slash, so relative paths combine under it.</summary>
    public Uri Value { get; }

    public bool IsHttps => Value.Scheme == Uri.UriSchemeHttps;

    public Uri Combine(string relativePath) => new(Value, relativePath.TrimStart('/'));

    public override string ToString() => Value.ToString();

    public static PublicBaseUrl From(IConfiguration configuration)
    {
        var configured = configuration[Setting];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Uri.TryCreate(configured, UriKind.Absolute, out var uri)
                ? new PublicBaseUrl(uri)
                : throw new InvalidOperationException($"{Setting} '{configured}' is not an absolute URL.");
        }

        var firstListenAddress = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "http://localhost:5000")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault() ?? "http://localhost:5000";
        // A wildcard listen address ("http://+:80", "http://*:80", "http://0.0.0.0:80") is reached as localhost.
        var normalized = System.Text.RegularExpressions.Regex.Replace(firstListenAddress, @"//(\+|\*|0\.0\.0\.0|\[::\])", "//localhost");
        return new PublicBaseUrl(new Uri(normalized));
    }
}
