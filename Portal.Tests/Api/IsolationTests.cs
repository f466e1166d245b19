using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.ApiKeys;
using Portal.Audit;
using Portal.Organizations;

namespace Portal.Tests.Api;

/// <summary>A key sees its own org's subtree and nothing else, with or without x-assume-org.</summary>
[Collection(ApiCollection.Name)]
public sealed class IsolationTests(ApiHost host)
{
    private static readonly string Beacon = ApiHost.OrgId("Beacon Podcasts");
    private static readonly string Cobalt = ApiHost.OrgId("Cobalt Learning");
    private static readonly string Zenith = ApiHost.OrgId("Zenith Voice Labs");
    private static readonly string Unknown = "0b6c2f1e-3d4a-5b6c-8d7e-9f0a1b2c3d4e";

    [Theory]
    [InlineData("Cobalt Learning")]
    [InlineData("Acme Audio Platform")]
    [InlineData("Zenith Voice Labs")]
    public async Task A_child_orgs_key_cannot_read_a_sibling_the_parent_or_another_tree(string otherOrg)
    {
        var beaconKey = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead, ApiKeyScopes.KeysRead);
        var other = ApiHost.OrgId(otherOrg);

        var (org, orgBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{other}", beaconKey));
        var (children, childrenBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{other}/children", beaconKey));
        var (keys, keysBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{other}/api-keys", beaconKey));

        Sdk.AssertProblem(org, orgBody, 404, "org_not_found");
        Sdk.AssertProblem(children, childrenBody, 404, "org_not_found");
        Sdk.AssertProblem(keys, keysBody, 404, "org_not_found");
    }

    [Fact]
    public async Task Unknown_orgs_answer_exactly_like_foreign_ones()
    {
        var beaconKey = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead);

        var (foreign, foreignBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{Zenith}", beaconKey));
        var (unknown, unknownBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{Unknown}", beaconKey));

        Assert.Equal(foreign.StatusCode, unknown.StatusCode);
        Assert.Equal(foreignBody.GetProperty("code").GetString(), unknownBody.GetProperty("code").GetString());
        Assert.Equal(
            foreignBody.GetProperty("message").GetString()!.Replace(Zenith, "ID", StringComparison.Ordinal),
            unknownBody.GetProperty("message").GetString()!.Replace(Unknown, "ID", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Cobalt Learning")]
    [InlineData("Acme Audio Platform")]
    [InlineData("Zenith Voice Labs")]
    [InlineData("Beacon Podcasts")]
    [InlineData(null)]
    public async Task A_child_orgs_key_cannot_assume_a_sibling_the_parent_another_tree_itself_or_an_unknown_org(string? orgName)
    {
        var beaconKey = await host.CreateKeyAsync(Beacon, ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);
        var target = orgName is null ? Unknown : ApiHost.OrgId(orgName);

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", beaconKey, assumeOrg: target));

        Sdk.AssertProblem(response, body, 403, "assume_org_forbidden");
        Assert.Equal(
            "This API key cannot act as that org: it is not a descendant of the key's org, or it does not exist.",
            body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_key_without_the_act_as_scope_cannot_assume_even_its_own_child()
    {
        var acmeKey = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", acmeKey, assumeOrg: Beacon));

        Sdk.AssertProblem(response, body, 403, "act_as_not_allowed");
    }

    [Fact]
    public async Task While_assuming_a_child_the_parent_and_siblings_are_out_of_reach()
    {
        var acmeKey = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);

        var (parent, parentBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{ApiHost.Acme}", acmeKey, assumeOrg: Beacon));
        var (sibling, siblingBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{Cobalt}", acmeKey, assumeOrg: Beacon));
        var (self, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, $"/api/v1/orgs/{Beacon}", acmeKey, assumeOrg: Beacon));

        Sdk.AssertProblem(parent, parentBody, 404, "org_not_found");
        Sdk.AssertProblem(sibling, siblingBody, 404, "org_not_found");
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
    }

    [Fact]
    public async Task Reads_while_assuming_are_audited_once_per_window_with_both_orgs()
    {
        var acmeKey = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);
        var keyId = await KeyIdAsync(acmeKey);

        for (var i = 0; i < 3; i++)
        {
            var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", acmeKey, assumeOrg: Beacon));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await using var db = host.Db();
        var entry = Assert.Single(await db.AuditEntries.IgnoreQueryFilters().Where(a => a.ActorApiKeyId == keyId).ToListAsync());
        Assert.Equal("api.assume", entry.Action);
        Assert.Equal(ApiHost.Acme, entry.HomeOrgId);
        Assert.Equal(Beacon, entry.ActingOrgId);
        Assert.Equal(Beacon, entry.TargetOrgId);
        Assert.Equal(AuditSource.Api, entry.Source);
    }

    [Fact]
    public async Task A_change_made_while_assuming_is_audited_with_both_orgs()
    {
        var acmeKey = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.KeysWrite, ApiKeyScopes.ActAs);
        var keyId = await KeyIdAsync(acmeKey);

        var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{Beacon}/api-keys", acmeKey, assumeOrg: Beacon,
            json: new { name = "made while assuming", scopes = new[] { ApiKeyScopes.KeysWrite } }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var db = host.Db();
        var created = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.ActorApiKeyId == keyId && a.Action == "apikey.created");
        Assert.Equal(ApiHost.Acme, created.HomeOrgId);
        Assert.Equal(Beacon, created.ActingOrgId);
        Assert.Equal(Beacon, created.TargetOrgId);
    }

    [Fact]
    public async Task A_suspended_orgs_key_may_read_but_not_change_anything()
    {
        var echo = ApiHost.OrgId("Echo Games");
        var echoKey = await host.CreateKeyAsync(echo, ApiKeyScopes.OrgRead, ApiKeyScopes.OrgWrite, ApiKeyScopes.KeysWrite);
        var keysBefore = await host.CountAsync<ApiKey>();
        var orgsBefore = await host.CountAsync<Organization>();

        var (read, org) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", echoKey));
        var (createChild, createChildBody) = await host.SendAsync(
            Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{echo}/children", echoKey, json: new { name = "new" }));
        var (createKey, createKeyBody) = await host.SendAsync(
            Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{echo}/api-keys", echoKey, json: new { name = "new", scopes = Sdk.OrgReadScope }));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("suspended", org.GetProperty("status").GetString());
        Sdk.AssertProblem(createChild, createChildBody, 403, "org_suspended");
        Sdk.AssertProblem(createKey, createKeyBody, 403, "org_suspended");
        Assert.Equal(keysBefore, await host.CountAsync<ApiKey>());
        Assert.Equal(orgsBefore, await host.CountAsync<Organization>());
    }

    [Fact]
    public async Task A_closed_orgs_key_is_refused()
    {
        var gammaKey = await host.CreateKeyAsync(ApiHost.OrgId("Gamma News"), ApiKeyScopes.OrgRead);

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", gammaKey));

        Sdk.AssertProblem(response, body, 401, "org_closed");
    }

    private async Task<string> KeyIdAsync(string secret)
    {
        await using var db = host.Db();
        var hash = ApiKeySecrets.Hash(secret);
        return await db.Set<ApiKey>().IgnoreQueryFilters().Where(k => k.SecretHash == hash).Select(k => k.Id).SingleAsync();
    }
}
