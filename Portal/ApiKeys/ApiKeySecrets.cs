using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Portal.ApiKeys;

/// <summary>
/// Secrets look like <c>ptl_AbCd1234_</c> followed by 40 random base62 characters (about 238 bits). The first
/// <see cref="PrefixLength"/> characters are public. Their entropy makes a plain SHA-256 the right hash: no salt or
/// slow hash is needed against guessing, and the lookup stays one indexed equality.
/// </summary>
public static class ApiKeySecrets
{
    public const string Marker = "ptl_";
    public const int PrefixLength = 12;
    public const int RandomLength = 40;

    /// <summary>The api.audio Python SDK refuses keys shorter than 32 characters before sending anything.</summary>
    public const int MinLength = 32;
    public const int MaxLength = 128;

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Generate()
    {
        var prefix = Marker + RandomNumberGenerator.GetString(Base62, PrefixLength - Marker.Length);
        return prefix + "_" + RandomNumberGenerator.GetString(Base62, RandomLength);
    }

    private static readonly SearchValues<char> SecretCharacters =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-");

    /// <summary>Lower-case hex SHA-256 of the secret's UTF-8 bytes (every API call hashes its key: no allocations but the result).</summary>
    public static string Hash(string secret)
    {
        var byteCount = Encoding.UTF8.GetByteCount(secret);
        var utf8 = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The hash of a well-formed secret presented on this request's connection (see <see cref="ConnectionSecretHashes"/>).</summary>
    public static string HashFor(HttpContext context, string secret) =>
        ConnectionSecretHashes.Of(context) is { } memo ? memo.HashOf(secret) : Hash(secret);

    public static string PrefixOf(string secret) => secret[..PrefixLength];

    /// <summary>Cheap shape check before any lookup: length and URL-safe characters only.</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: >= MinLength and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(SecretCharacters);
}
