using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.ApiKeys;
using Portal.Data;

namespace Portal.Tests.Api;

/// <summary>Keys created, rotated and revoked through the API and the portal's service take effect on the next request.</summary>
[Collection(ApiCollection.Name)]
public sealed class KeyLifecycleTests(ApiHost host)
{
    private static readonly string Beacon = ApiHost.OrgId("Beacon Podcasts");

    [Fact]
    public async Task A_key_created_through_the_api_works_at_once_and_its_secret_is_shown_only_then()
    {
        var (created, issued) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys", host.DemoSecret,
            json: new { name = "gateway", scopes = Sdk.OrgReadScope }));
        var secret = issued.GetProperty("secret").GetString()!;

        var (me, org) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
        var (list, keys) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{Beacon}/api-keys", host.DemoSecret));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/json", created.Content.Headers.ContentType?.ToString());
        Assert.True(secret.Length >= 32 + ApiKeySecrets.PrefixLength);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(Beacon, org.GetProperty("orgId").GetString());
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain(secret, keys.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("prefix").GetString() == secret[..ApiKeySecrets.PrefixLength]);
    }

    [Fact]
    public async Task A_key_revoked_through_the_api_is_refused_on_the_next_request()
    {
        var secret = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead);
        var (before, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
        var keyId = await KeyIdAsync(secret);

        var (revoke, revoked) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/revoke", host.DemoSecret, json: new { }));
        var (after, afterBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal("revoked", revoked.GetProperty("state").GetString());
        Sdk.AssertProblem(after, afterBody, 401, "api_key_revoked");
    }

    [Fact]
    public async Task A_key_revoked_in_the_portal_is_refused_on_the_next_request()
    {
        var secret = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead);
        var (before, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
        var keyId = await KeyIdAsync(secret);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var owner = DemoSeed.Owner;
            scope.ServiceProvider.GetRequiredService<TenantContext>().SetUser(owner.Id, owner.DisplayName, ApiHost.Acme);
            await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(Beacon, keyId, CancellationToken.None);
        }

        var (after, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Sdk.AssertProblem(after, body, 401, "api_key_revoked");
    }

    [Fact]
    public async Task On_one_kept_alive_connection_a_revoked_key_is_refused_at_once_and_each_key_answers_as_itself()
    {
        // The connection remembers the hashes of the secrets it presented; what a key may do is still asked every time.
        var connections = 0;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            ConnectCallback = async (context, ct) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = new Uri(host.BaseUrl) };
        var cobalt = ApiHost.OrgId("Cobalt Learning");
        var beaconKeys = new List<string>();
        var cobaltKeys = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            beaconKeys.Add(await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead));
            cobaltKeys.Add(await host.CreateKeyAsync(cobalt, ApiKeyScopes.OrgRead));
        }

        async Task<(HttpStatusCode Status, string Body)> OrgAsync(string secret)
        {
            using var response = await client.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // Twelve keys in turn, twice: more than the connection remembers, so entries are replaced on the way.
        foreach (var (secret, orgId) in beaconKeys.Zip(cobaltKeys).SelectMany(pair => new[] { (pair.First, Beacon), (pair.Second, cobalt) }).Concat(
                     cobaltKeys.Zip(beaconKeys).SelectMany(pair => new[] { (pair.First, cobalt), (pair.Second, Beacon) })))
        {
            var (status, body) = await OrgAsync(secret);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(orgId, body, StringComparison.Ordinal);
        }

        var revokedSecret = beaconKeys[0];
        var keyId = await KeyIdAsync(revokedSecret);
        var (revoke, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/revoke", host.DemoSecret, json: new { }));
        var (after, afterBody) = await OrgAsync(revokedSecret);
        var (other, _) = await OrgAsync(beaconKeys[1]);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after);
        Assert.Contains("api_key_revoked", afterBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other);
        Assert.Equal(1, connections);
    }

    [Fact]
    public async Task After_a_rotation_both_secrets_work_until_the_grace_period_ends_then_only_the_new_one()
    {
        var oldSecret = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead);
        var (warm, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", oldSecret));
        var keyId = await KeyIdAsync(oldSecret);

        var (rotate, issued) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/rotate", host.DemoSecret, json: new { }));
        var newSecret = issued.GetProperty("secret").GetString()!;
        var (oldDuringGrace, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", oldSecret));
        var (newDuringGrace, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", newSecret));
        var (again, againBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys/{keyId}/rotate", host.DemoSecret, json: new { }));

        var start = host.Clock.Now;
        try
        {
            host.Clock.Now = start + TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1);
            var (oldAfter, oldAfterBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", oldSecret));
            var (newAfter, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", newSecret));

            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            Assert.Equal(HttpStatusCode.Created, rotate.StatusCode);
            Assert.Equal(HttpStatusCode.OK, oldDuringGrace.StatusCode);
            Assert.Equal(HttpStatusCode.OK, newDuringGrace.StatusCode);
            Sdk.AssertProblem(again, againBody, 409, "already_rotated");
            Sdk.AssertProblem(oldAfter, oldAfterBody, 401, "api_key_expired");
            Assert.Equal(HttpStatusCode.OK, newAfter.StatusCode);
        }
        finally
        {
            host.Clock.Now = start;
        }
    }

    [Fact]
    public async Task A_key_cannot_create_a_key_with_scopes_it_does_not_hold()
    {
        var secret = await host.CreateKeyAsync(Beacon, ApiKeyScopes.KeysWrite);
        var before = await host.CountAsync<ApiKey>();

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys", secret,
            json: new { name = "escalation", scopes = new[] { ApiKeyScopes.KeysWrite, ApiKeyScopes.OrgWrite } }));

        Sdk.AssertProblem(response, body, 400, "scope_not_grantable");
        Assert.Equal("scopes", body.GetProperty("field").GetString());
        Assert.Equal(before, await host.CountAsync<ApiKey>());
    }

    [Fact]
    public async Task Last_use_is_written_at_most_once_a_minute()
    {
        var secret = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead);
        var start = host.Clock.Now;
        try
        {
            await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
            var first = await LastUsedAsync(secret);
            host.Clock.Now = start + TimeSpan.FromSeconds(59);
            await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
            var withinAMinute = await LastUsedAsync(secret);
            host.Clock.Now = start + TimeSpan.FromSeconds(61);
            await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));
            var afterAMinute = await LastUsedAsync(secret);

            Assert.Equal(start.UtcDateTime, first);
            Assert.Equal(first, withinAMinute);
            Assert.Equal((start + TimeSpan.FromSeconds(61)).UtcDateTime, afterAMinute);
        }
        finally
        {
            host.Clock.Now = start;
        }
    }

    private async Task<DateTime?> LastUsedAsync(string secret)
    {
        await using var db = host.Db();
        var hash = ApiKeySecrets.Hash(secret);
        return await db.Set<ApiKey>().IgnoreQueryFilters().Where(k => k.SecretHash == hash).Select(k => k.LastUsedAt).SingleAsync();
    }

    private async Task<string> KeyIdAsync(string secret)
    {
        await using var db = host.Db();
        var hash = ApiKeySecrets.Hash(secret);
        return await db.Set<ApiKey>().IgnoreQueryFilters().Where(k => k.SecretHash == hash).Select(k => k.Id).SingleAsync();
    }
}
