using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.ApiKeys;

namespace Portal.Tests.Api;

/// <summary>
/// The decision fast path answers exactly as the general path: the same requests to a host with it (the shared one) and
/// a host without it give the same status, content type and bytes, for answers, refusals and bad input alike.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DecisionFastPathTests(ApiHost fast) : IAsyncLifetime
{
    private readonly ApiHost general = new(new Dictionary<string, string?> { ["Api:DecisionFastPath"] = "false" });
    private readonly string gatewayId = Guid.NewGuid().ToString("D");
    private readonly string gateway = ApiKeySecrets.Generate();
    private readonly string superCallerId = Guid.NewGuid().ToString("D");
    private readonly string superCaller = ApiKeySecrets.Generate();
    private readonly string childCallerId = Guid.NewGuid().ToString("D");
    private readonly string childCaller = ApiKeySecrets.Generate();
    private readonly string foreignCallerId = Guid.NewGuid().ToString("D");
    private readonly string foreignCaller = ApiKeySecrets.Generate();

    public async Task InitializeAsync()
    {
        foreach (var host in new[] { fast, general })
        {
            await host.AddKeyAsync(gatewayId, gateway, ApiHost.Acme, ApiKeyScopes.Decision);
            await host.AddKeyAsync(superCallerId, superCaller, ApiHost.Acme, ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);
            await host.AddKeyAsync(childCallerId, childCaller, ApiHost.OrgId("Beacon Podcasts"), ApiKeyScopes.OrgRead);
            await host.AddKeyAsync(foreignCallerId, foreignCaller, ApiHost.OrgId("Zenith Audiobooks"), ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);
        }
    }

    [Fact]
    public async Task Both_paths_give_the_same_bytes_for_answers_refusals_and_bad_input()
    {
        var beacon = ApiHost.OrgId("Beacon Podcasts");
        string[] bodies =
        [
            $$"""{"apiKey":"{{superCaller}}","assumeOrg":"{{beacon}}","activity":"speech"}""",
            $$"""{"apiKey":"{{superCaller}}","assumeOrg":"{{ApiHost.OrgId("Cobalt Learning")}}","item":"capability:voice-intelligence"}""",
            $$"""{"apiKey":"{{superCaller}}","assumeOrg":"{{ApiHost.OrgId("Echo Games")}}","activity":"speech","credits":5}""",
            $$"""{"apiKey":"{{childCaller}}","assumeOrg":"{{ApiHost.Acme}}","activity":"speech"}""",
            $$"""{"apiKey":"{{childCaller}}","assumeOrg":"{{beacon}}","activity":"speech"}""",
            $$"""{"keyId":"{{childCallerId}}","item":"voice:nobody","credits":null}""",
            $$"""{"apiKey":"{{foreignCaller}}","activity":"speech"}""",
            $$"""{"keyId":"{{foreignCallerId}}","activity":"speech"}""",
            $$"""{"apiKey":"{{ApiKeySecrets.Generate()}}","activity":"speech"}""",
            $$"""{"ApiKey":"{{superCaller}}","Activity":"speech"}""",
            $$"""{"apiKey":"{{superCaller}}","activity":"speech","credits":"5"}""",
            $$"""{"apiKey":"{{superCaller}}","activity":"speech","activity":"script"}""",
            $$"""{"apiKey":"{{superCaller}}","activity":"speech","extra":1}""",
            $$"""{"apiKey":"{{superCaller}}","activity":"speech","credits":-1}""",
            $$"""{"apiKey":"{{superCaller}}","assumeOrg":"nope","activity":"speech"}""",
            """{"activity":"speech"}""",
            "{}",
            "[]",
            "not json",
        ];

        var allowed = 0;
        using var fastPaths = new DecisionPaths(fast);
        using var generalPaths = new DecisionPaths(general);
        foreach (var body in bodies)
        {
            var (fastStatus, fastType, fastBody) = await DecideAsync(fast, body);
            var (generalStatus, generalType, generalBody) = await DecideAsync(general, body);

            Assert.Equal((generalStatus, generalType), (fastStatus, fastType));
            Assert.Equal(Normalize(generalBody), Normalize(fastBody));
            allowed += fastBody.Contains("\"allowed\":true", StringComparison.Ordinal) ? 1 : 0;
        }

        // Beacon assumed by its parent and by itself; other casing, a number in a string, a repeated field: bound by the general path.
        Assert.Equal(5, allowed);
        Assert.Equal(0, generalPaths.Fast);
        Assert.Equal((9, 3), (fastPaths.Fast, fastPaths.General));
    }

    private async Task<(int Status, string? ContentType, string Body)> DecideAsync(ApiHost host, string body)
    {
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/decision") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", gateway);
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Counts one host's answered decisions by path, from its own meter.</summary>
    private sealed class DecisionPaths : IDisposable
    {
        private readonly MeterListener listener = new();
        private int fast;
        private int general;

        public DecisionPaths(ApiHost host)
        {
            var meters = host.Services.GetRequiredService<IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "portal.decisions" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "path")
                    {
                        Interlocked.Increment(ref (string)tag.Value! == "fast" ? ref fast : ref general);
                    }
                }
            });
            listener.Start();
        }

        public int Fast => Volatile.Read(ref fast);

        public int General => Volatile.Read(ref general);

        public void Dispose() => listener.Dispose();
    }

    // Problem bodies carry the request's trace id, which differs by request.
    private static string Normalize(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "\"traceId\":\"\"");

    Task IAsyncLifetime.DisposeAsync()
    {
        general.Dispose();
        return Task.CompletedTask;
    }
}
