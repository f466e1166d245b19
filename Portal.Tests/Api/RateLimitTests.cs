using System.Net;
using Portal.ApiKeys;

namespace Portal.Tests.Api;

/// <summary>Each key has its own token bucket; the portal's pages are not limited.</summary>
public sealed class RateLimitTests : IDisposable
{
    private const int PerMinute = 3;
    private readonly ApiHost host = new(new Dictionary<string, string?> { ["Api:RateLimitPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_while_other_keys_go_on()
    {
        var busy = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);
        var other = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);

        for (var i = 0; i < PerMinute; i++)
        {
            var (allowed, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", busy));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        var (limited, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", busy));
        var (otherKey, _) = await host.SendAsync(Sdk.Js(HttpMethod.Get, "/org/", apiKey: other));
        using var client = host.Client();
        var page = await client.GetAsync("/");

        Sdk.AssertProblem(limited, body, 429, "rate_limited");
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(retryAfter, body.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, page.StatusCode);
    }

    public void Dispose() => host.Dispose();
}
