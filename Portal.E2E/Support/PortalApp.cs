using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace Portal.E2E.Support;

/// <summary>
/// The real portal on Kestrel, on a free loopback port, in Development (so with the embedded defaults and the
/// demo data) and with a database file of its own.
/// </summary>
public sealed class PortalApp : WebApplicationFactory<Program>
{
    private readonly string databasePath = Path.Combine(Path.GetTempPath(), "portal-e2e", $"{Guid.NewGuid():N}.db");

    public PortalApp()
    {
        Port = FreePort();
        BaseUrl = $"http://localhost:{Port}";
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        UseKestrel(Port);
    }

    public int Port { get; }

    public string BaseUrl { get; }

    public Dictionary<string, string?> Settings { get; } = [];

    public void Start() => StartServer();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Development);
        builder.UseSetting("ConnectionStrings:Portal", new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString());
        builder.UseSetting("urls", BaseUrl);
        builder.UseSetting("Portal:PublicBaseUrl", BaseUrl);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        File.Delete(databasePath);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
