namespace Portal.Identity;

/// <summary>
/// The "Authentication" settings. With <see cref="Authority"/> set, the portal signs in through that external
/// OpenID Connect provider; without it, the app hosts its own provider with local accounts.
/// </summary>
public sealed class PortalAuthenticationOptions
{
    public const string Section = "Authentication";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Outside Development the embedded provider refuses throwaway signing keys unless this is true.</summary>
    public bool AllowEphemeralKeys { get; set; }

    public CertificateSettings? SigningCertificate { get; set; }
    public CertificateSettings? EncryptionCertificate { get; set; }

    /// <summary>Other applications (for example another portal) that may sign in through the embedded provider.</summary>
    public List<RegisteredClient> Clients { get; set; } = [];

    /// <summary>How often a live session re-checks that its user still exists and still belongs to an org.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Development only: the local accounts the demo seed creates, and their shared password.</summary>
    public DemoAccountSettings DemoAccounts { get; set; } = new();

    public bool UsesExternalProvider => !string.IsNullOrWhiteSpace(Authority);

    public void Validate()
    {
        if (UsesExternalProvider)
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out _))
            {
                throw new InvalidOperationException($"Authentication:Authority '{Authority}' is not an absolute URL.");
            }

            if (string.IsNullOrWhiteSpace(ClientId))
            {
                throw new InvalidOperationException("Authentication:Authority is set, so Authentication:ClientId must be set too.");
            }
        }

        foreach (var client in Clients)
        {
            if (string.IsNullOrWhiteSpace(client.ClientId) || string.IsNullOrWhiteSpace(client.ClientSecret)
                || !Uri.TryCreate(client.RedirectUri, UriKind.Absolute, out _))
            {
                throw new InvalidOperationException(
                    "Each Authentication:Clients entry needs a ClientId, a ClientSecret and an absolute RedirectUri.");
            }
        }

        if (RevalidationInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Authentication:RevalidationInterval must be positive.");
        }
    }
}

/// <summary>A PKCS#12 (.pfx) certificate, from a file or as base64 (for secret stores).</summary>
public sealed class CertificateSettings
{
    public string? Path { get; set; }
    public string? Base64 { get; set; }
    public string? Password { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Path) || !string.IsNullOrWhiteSpace(Base64);
}

public sealed class RegisteredClient
{
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string? RedirectUri { get; set; }
    public string? PostLogoutRedirectUri { get; set; }
    public string? DisplayName { get; set; }
}

public sealed class DemoAccountSettings
{
    public string? Password { get; set; }
    public List<string> Emails { get; set; } = [];
}
