using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace Portal.E2E.Support;

/// <summary>
/// The PostgreSQL server of the test run (PORTAL_TEST_POSTGRES: a connection string to a server where the tests may
/// create databases; ./test.sh starts a throwaway one). Tests that need it are skipped without it.
/// </summary>
public static class PostgresTestServer
{
    public const string Variable = "PORTAL_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>A new, empty database (the app migrates it at start in Development); dropped when disposed.</summary>
    public static async Task<PostgresTestDatabase> CreateDatabaseAsync()
    {
        var name = $"portal_e2e_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        return new PostgresTestDatabase(name, new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ToString());
    }

    internal static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The settings that make a <see cref="PortalApp"/> one of several instances on this database: PostgreSQL, and the
    /// embedded provider's signing and encryption certificates shared by all of them.
    /// </summary>
    public static void UseSharedDatabase(this PortalApp app, PostgresTestDatabase database, SharedCertificates certificates)
    {
        app.Settings["Database:Provider"] = "Postgres";
        app.Settings["ConnectionStrings:Portal"] = database.ConnectionString;
        app.Settings["Authentication:SigningCertificate:Base64"] = certificates.Signing;
        app.Settings["Authentication:EncryptionCertificate:Base64"] = certificates.Encryption;
    }
}

public sealed class PostgresTestDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PostgresTestServer.AdminAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }
}

/// <summary>Self-signed PKCS#12 certificates for the embedded provider, as base64 (what production puts in a secret store).</summary>
public sealed class SharedCertificates
{
    public string Signing { get; } = Create("CN=Portal test signing", X509KeyUsageFlags.DigitalSignature);

    public string Encryption { get; } = Create("CN=Portal test encryption", X509KeyUsageFlags.KeyEncipherment);

    private static string Create(string subject, X509KeyUsageFlags usage)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12));
    }
}
