using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Billing;

/// <summary>
/// Spend-alert webhooks carry <c>x-portal-signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> of
/// "<c>t.body</c>" under the limit's signing secret, so the receiver can tell a delivery is the portal's and recent.
/// The secret must be known to sign, so it is stored encrypted (ASP.NET Core Data Protection, keys in the database),
/// not hashed as API keys are.
/// </summary>
public sealed class WebhookSigning(IDataProtectionProvider protection)
{
    public const string SignatureHeader = "x-portal-signature";
    public const string SecretMarker = "whsec_";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private readonly IDataProtector protector = protection.CreateProtector("Portal.Billing.WebhookSigningSecret");

    /// <summary>A new secret and what to store for it.</summary>
    public (string Secret, string Stored) NewSecret()
    {
        var secret = SecretMarker + RandomNumberGenerator.GetString(Base62, 40);
        return (secret, protector.Protect(secret));
    }

    public string Reveal(string stored) => protector.Unprotect(stored);

    /// <summary>The secret, or null when it can no longer be decrypted (its Data Protection key is gone): rotate it.</summary>
    public string? TryReveal(string stored)
    {
        try
        {
            return protector.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The header value for a body sent at <paramref name="unixSeconds"/>.</summary>
    public static string Signature(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}";
    }
}
