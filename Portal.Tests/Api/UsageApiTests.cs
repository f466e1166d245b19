using System.Net;
using System.Text;
using Portal.ApiKeys;
using Portal.Usage;

namespace Portal.Tests.Api;

/// <summary>POST /usage/events over real HTTP: retries count once, bad events are named, bad batches store nothing.</summary>
[Collection(ApiCollection.Name)]
public sealed class UsageApiTests(ApiHost host)
{
    private static readonly string Fable = ApiHost.OrgId("Fable Kids");

    [Fact]
    public async Task The_same_batch_posted_three_times_is_accepted_once_then_reported_as_duplicates()
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var batch = new { events = Enumerable.Range(0, 20).Select(i => Event($"retry-{Guid.NewGuid():N}-{i}")).ToList() };
        var before = await host.CountAsync<UsageEvent>();

        var results = new List<(int Accepted, int Duplicates)>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/usage/events", key, json: batch));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            results.Add((body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32()));
        }

        Assert.Equal([(20, 0), (0, 20), (0, 20)], results);
        Assert.Equal(before + 20, await host.CountAsync<UsageEvent>());
    }

    [Fact]
    public async Task A_bad_event_is_named_and_the_good_ones_are_stored()
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var good = Event($"good-{Guid.NewGuid():N}");
        var bad = Event($"bad-{Guid.NewGuid():N}") with { Credits = -5 };

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/usage/events", key, json: new { events = new[] { good, bad } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((1, 1), (body.GetProperty("accepted").GetInt32(), body.GetProperty("rejected").GetInt32()));
        Assert.Equal("credits_invalid", body.GetProperty("events")[1].GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("{\"events\": [", "application/json", 400)]
    [InlineData("{\"events\": [{\"orgId\": 5}]}", "application/json", 400)]
    [InlineData("{}", "application/json", 400)]
    [InlineData("{\"events\": []}", "application/json", 400)]
    [InlineData("events=1", "text/plain", 415)]
    [InlineData("{\"events\": []} {\"events\": []}", "application/json", 400)]
    [InlineData("null", "application/json", 400)]
    [InlineData("", "application/json", 400)]
    [InlineData("{\"events\": [{\"orgId\": \"x\", \"extra\": 1}]}", "application/json", 400)]
    public async Task Malformed_or_empty_batches_get_a_problem_and_store_nothing(string json, string contentType, int status)
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var before = await host.CountAsync<UsageEvent>();
        var request = Sdk.Python(HttpMethod.Post, "/usage/events", key);
        request.Content = new StringContent(json, Encoding.UTF8, contentType);

        var (response, _) = await host.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(before, await host.CountAsync<UsageEvent>());
    }

    [Fact]
    public async Task An_oversized_batch_is_refused_whole()
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var before = await host.CountAsync<UsageEvent>();

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/usage/events", key,
            json: new { events = Enumerable.Range(0, 1001).Select(i => Event($"big-{i}")).ToList() }));

        Sdk.AssertProblem(response, body, 400, "batch_too_large");
        Assert.Equal(before, await host.CountAsync<UsageEvent>());
    }

    [Fact]
    public async Task A_key_without_usage_write_cannot_post_usage()
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageRead);

        var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/usage/events", key, json: new { events = new[] { Event("x") } }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static UsageEventInput Event(string eventId) => new(Fable, "speech", 3, DateTime.UtcNow.AddMinutes(-5), eventId);
}
