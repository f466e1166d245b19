using System.Net;
using Portal.ApiKeys;

namespace Portal.Tests.Api;

/// <summary>The gateway's decision endpoint: what it answers for keys, assumed orgs and items, and that it follows changes.</summary>
[Collection(ApiCollection.Name)]
public sealed class DecisionApiTests(ApiHost host)
{
    private static readonly string Beacon = ApiHost.OrgId("Beacon Podcasts");
    private static readonly string Cobalt = ApiHost.OrgId("Cobalt Learning");
    private static readonly string Echo = ApiHost.OrgId("Echo Games");
    private static readonly string Zenith = ApiHost.OrgId("Zenith Audiobooks");

    [Fact]
    public async Task A_gateway_key_gets_allowed_with_the_effective_org_for_a_super_org_key_acting_as_a_child()
    {
        var (gateway, caller) = await KeysAsync(ApiHost.Acme, ApiKeyScopes.ActAs);

        var body = await DecideAsync(gateway, new { apiKey = caller, assumeOrg = Beacon, activity = "speech" });

        Assert.True(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("allowed", body.GetProperty("reason").GetString());
        Assert.Equal(Beacon, body.GetProperty("orgId").GetString());
    }

    [Theory]
    [InlineData("Zenith Audiobooks")]
    [InlineData("Acme Audio Platform")]
    public async Task A_child_key_assuming_a_foreign_org_or_its_parent_is_not_a_descendant(string target)
    {
        var (gateway, caller) = await KeysAsync(Beacon, ApiKeyScopes.ActAs);

        var body = await DecideAsync(gateway, new { apiKey = caller, assumeOrg = ApiHost.OrgId(target), item = "activity:speech" });

        Assert.False(body.GetProperty("allowed").GetBoolean());
        Assert.Equal("not_a_descendant", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_gateway_key_never_answers_for_a_key_outside_its_own_subtree()
    {
        var beaconGateway = await host.CreateKeyAsync(Beacon, ApiKeyScopes.Decision);
        var parentKey = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);
        var foreignKey = await host.CreateKeyAsync(Zenith, ApiKeyScopes.OrgRead);
        string foreignKeyId;
        await using (var db = host.Db())
        {
            var hash = ApiKeySecrets.Hash(foreignKey);
            foreignKeyId = db.Set<ApiKey>().Single(k => k.SecretHash == hash).Id;
        }

        var answers = new[]
        {
            await DecideAsync(beaconGateway, new { apiKey = parentKey, activity = "speech" }),
            await DecideAsync(beaconGateway, new { apiKey = foreignKey, activity = "speech" }),
            await DecideAsync(beaconGateway, new { keyId = foreignKeyId, activity = "speech" }),
            await DecideAsync((await KeysAsync(ApiHost.Acme)).Gateway, new { keyId = foreignKeyId, activity = "speech" }),
        };

        Assert.All(answers, body =>
        {
            Assert.Equal("key_unknown", body.GetProperty("reason").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("orgId").ValueKind);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("keyId").ValueKind);
        });
    }

    [Fact]
    public async Task Assuming_without_the_act_as_scope_is_refused()
    {
        var (gateway, caller) = await KeysAsync(ApiHost.Acme);

        var body = await DecideAsync(gateway, new { apiKey = caller, assumeOrg = Beacon, activity = "speech" });

        Assert.Equal("assume_not_allowed", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_suspended_org_and_a_feature_off_here_are_refused_with_their_reasons()
    {
        var (gateway, caller) = await KeysAsync(ApiHost.Acme, ApiKeyScopes.ActAs);

        var suspended = await DecideAsync(gateway, new { apiKey = caller, assumeOrg = Echo, activity = "speech" });
        var noVoiceIntelligence = await DecideAsync(gateway, new { apiKey = caller, assumeOrg = Cobalt, item = "capability:voice-intelligence" });
        var unknownItem = await DecideAsync(gateway, new { apiKey = caller, item = "voice:nobody" });

        Assert.Equal("org_suspended", suspended.GetProperty("reason").GetString());
        Assert.StartsWith("feature_off", noVoiceIntelligence.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("unknown_item", unknownItem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_revoked_key_is_refused_by_the_very_next_decision()
    {
        var (gateway, caller) = await KeysAsync(Beacon);
        var before = await DecideAsync(gateway, new { apiKey = caller, activity = "speech" });
        var keyId = before.GetProperty("keyId").GetString();

        var (revoke, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/revoke", gateway));
        var after = await DecideAsync(gateway, new { keyId, activity = "speech" });

        Assert.True(before.GetProperty("allowed").GetBoolean());
        Assert.True(revoke.IsSuccessStatusCode, $"revoke answered {(int)revoke.StatusCode}");
        Assert.Equal("key_revoked", after.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task On_the_gateway_s_kept_alive_connection_a_revoked_key_is_refused_by_the_very_next_decision()
    {
        var (gateway, caller) = await KeysAsync(Beacon);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(host.BaseUrl) };
        async Task<System.Text.Json.JsonElement> OnConnectionAsync(object request)
        {
            using var response = await client.SendAsync(Sdk.Python(HttpMethod.Post, "/decision", gateway, json: request));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        var before = await OnConnectionAsync(new { apiKey = caller, activity = "speech" });
        var keyId = before.GetProperty("keyId").GetString();
        var (revoke, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/revoke", gateway));
        var after = await OnConnectionAsync(new { apiKey = caller, activity = "speech" });

        Assert.True(before.GetProperty("allowed").GetBoolean());
        Assert.True(revoke.IsSuccessStatusCode, $"revoke answered {(int)revoke.StatusCode}");
        Assert.False(after.GetProperty("allowed").GetBoolean());
        Assert.Equal("key_revoked", after.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("{}", "item_required")]
    [InlineData("{\"activity\":\"speech\"}", "key_required")]
    [InlineData("{\"activity\":\"speech\",\"apiKey\":\"x\",\"credits\":-1}", "credits_invalid")]
    [InlineData("{\"activity\":\"speech\",\"apiKey\":\"x\",\"assumeOrg\":\"not-a-uuid\"}", "assume_org_invalid")]
    public async Task Bad_requests_get_a_problem_with_a_stable_code(string json, string code)
    {
        var (gateway, _) = await KeysAsync(ApiHost.Acme);
        var request = Sdk.Python(HttpMethod.Post, "/decision", gateway);
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        var (response, body) = await host.SendAsync(request);

        Sdk.AssertProblem(response, body, 400, code);
    }

    [Fact]
    public async Task A_key_without_the_decision_scope_cannot_ask()
    {
        var caller = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);

        var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/decision", caller, json: new { apiKey = caller, activity = "speech" }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<(string Gateway, string Caller)> KeysAsync(string callerOrgId, params string[] callerScopes) =>
        (await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.Decision, ApiKeyScopes.KeysWrite, ApiKeyScopes.KeysRead),
         await host.CreateKeyAsync(callerOrgId, [ApiKeyScopes.OrgRead, .. callerScopes]));

    private async Task<System.Text.Json.JsonElement> DecideAsync(string gatewayKey, object request)
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/decision", gatewayKey, json: request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body;
    }
}
