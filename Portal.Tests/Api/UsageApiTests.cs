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
    public async Task Strings_that_are_not_text_get_a_problem_and_store_nothing()
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var before = await host.CountAsync<UsageEvent>();
        var at = DateTime.UtcNow.AddMinutes(-5).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var loneSurrogate = Encoding.UTF8.GetBytes($$"""{"events":[{"orgId":"{{Fable}}","activity":"speech","credits":1,"occurredAt":"{{at}}","eventId":"\uD800"}]}""");
        var badUtf8 = Encoding.UTF8.GetBytes($$"""{"events":[{"orgId":"{{Fable}}","activity":"speech","credits":1,"occurredAt":"{{at}}","eventId":"x?y"}]}""");
        badUtf8[Array.IndexOf(badUtf8, (byte)'?')] = 0xFF;

        foreach (var body in new[] { loneSurrogate, badUtf8 })
        {
            var request = Sdk.Python(HttpMethod.Post, "/usage/events", key);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var (response, problem) = await host.SendAsync(request);
            Sdk.AssertProblem(response, problem, 400, "invalid_json");
        }

        Assert.Equal(before, await host.CountAsync<UsageEvent>());
    }

    [Theory]
    [InlineData("utf-8", true)]
    [InlineData("utf-16", false)]
    public async Task A_batch_with_a_byte_order_mark_or_in_another_declared_charset_is_read_as_sent(string charset, bool byteOrderMark)
    {
        var key = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.UsageWrite);
        var eventId = $"charset-{Guid.NewGuid():N}-é";
        var json = System.Text.Json.JsonSerializer.Serialize(new { events = new[] { Event(eventId) } }, System.Text.Json.JsonSerializerOptions.Web);
        var encoding = charset == "utf-16" ? new UnicodeEncoding(bigEndian: false, byteOrderMark: false) : (Encoding)new UTF8Encoding(false);
        byte[] bom = byteOrderMark ? [0xEF, 0xBB, 0xBF] : [];
        var request = Sdk.Python(HttpMethod.Post, "/usage/events", key);
        request.Content = new ByteArrayContent([.. bom, .. encoding.GetBytes(json)]);
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse($"application/json; charset={charset}");

        var (response, answer) = await host.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(eventId, answer.GetProperty("events")[0].GetProperty("eventId").GetString());
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
