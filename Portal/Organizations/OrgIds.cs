using System.Security.Cryptography;
using System.Text;

namespace Portal.Organizations;

/// <summary>Org ids are lowercase UUIDs, like the reference platform's: opaque, URL-safe and stable.</summary>
public static class OrgIds
{
    public static string New() => Guid.NewGuid().ToString("D");

    /// <summary>A stable id derived from a name, so demo data and fixtures are the same on every run.</summary>
    public static string Deterministic(string seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("portal-org:" + seed));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }

    public static bool IsWellFormed(string? value) =>
        value is { Length: 36 } && Guid.TryParseExact(value, "D", out _);
}
