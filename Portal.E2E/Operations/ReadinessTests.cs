using System.Diagnostics;
using System.Net;
using Npgsql;
using Portal.E2E.Support;
using Portal.Operations;

namespace Portal.E2E.Operations;

public sealed class ReadinessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [PostgresFact]
    public async Task Readiness_fails_while_the_database_is_away_and_recovers_when_it_is_back_without_a_restart()
    {
        await using var database = await PostgresTestServer.CreateDatabaseAsync();
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var link = new TcpForwarder(server.Host!, server.Port);
        link.Start();
        await using var app = new PortalApp();
        app.Settings["Database:Provider"] = "Postgres";
        app.Settings["ConnectionStrings:Portal"] = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = link.Port,
            Timeout = 3,
        }.ToString();
        app.Start();
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, OperationsRegistration.ReadyPath));

        await link.StopAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForAsync(http, OperationsRegistration.ReadyPath, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, OperationsRegistration.LivePath));

        link.Start();

        Assert.Equal(HttpStatusCode.OK, await WaitForAsync(http, OperationsRegistration.ReadyPath, HttpStatusCode.OK));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> WaitForAsync(HttpClient http, string path, HttpStatusCode wanted)
    {
        var watch = Stopwatch.StartNew();
        var status = await StatusAsync(http, path);
        while (status != wanted && watch.Elapsed < Patience)
        {
            await Task.Delay(200);
            status = await StatusAsync(http, path);
        }

        return status;
    }
}
