using System.Net;
using Portal.ApiKeys;

namespace Portal.Tests.Api;

/// <summary>The org management endpoints go through OrganizationService, and status changes reach keys on the next request.</summary>
[Collection(ApiCollection.Name)]
public sealed class OrgManagementApiTests(ApiHost host)
{
    [Fact]
    public async Task A_parent_key_renames_suspends_and_reactivates_a_child_and_the_childs_key_follows_at_once()
    {
        var (_, created) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/children", host.DemoSecret,
            json: new { name = "Status " + Guid.NewGuid().ToString("N")[..8] }));
        var childId = created.GetProperty("orgId").GetString()!;
        var childKey = await host.CreateKeyAsync(childId, ApiKeyScopes.OrgRead, ApiKeyScopes.KeysWrite);
        var newKey = new { name = "child made", scopes = Sdk.OrgReadScope };
        var (writeBefore, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{childId}/api-keys", childKey, json: newKey));

        var renamedTo = "Renamed " + Guid.NewGuid().ToString("N")[..8];
        var (rename, renamed) = await host.SendAsync(Sdk.Python(HttpMethod.Patch, $"/api/v1/orgs/{childId}", host.DemoSecret, json: new { name = renamedTo }));
        var (suspend, suspended) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{childId}/suspend", host.DemoSecret, json: new { }));
        var (readWhileSuspended, org) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", childKey));
        var (writeWhileSuspended, refused) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{childId}/api-keys", childKey, json: newKey));
        var (reactivate, reactivated) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{childId}/reactivate", host.DemoSecret, json: new { }));
        var (writeAfter, _) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{childId}/api-keys", childKey, json: newKey));

        Assert.Equal(HttpStatusCode.Created, writeBefore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
        Assert.Equal("application/json", rename.Content.Headers.ContentType?.ToString());
        Assert.Equal(renamedTo, renamed.GetProperty("orgName").GetString());
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, readWhileSuspended.StatusCode);
        Assert.Equal(renamedTo, org.GetProperty("orgName").GetString());
        Sdk.AssertProblem(writeWhileSuspended, refused, 403, "org_suspended");
        Assert.Equal("active", reactivated.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, reactivate.StatusCode);
        Assert.Equal(HttpStatusCode.Created, writeAfter.StatusCode);
    }

    [Fact]
    public async Task Business_rule_violations_carry_their_stable_code()
    {
        var beacon = ApiHost.OrgId("Beacon Podcasts");

        var (topLevel, topLevelBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/suspend", host.DemoSecret, json: new { }));
        var (notSuspended, notSuspendedBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{beacon}/reactivate", host.DemoSecret, json: new { }));
        var (tooDeep, tooDeepBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{beacon}/children", host.DemoSecret, json: new { name = "grandchild" }));
        var (taken, takenBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/children", host.DemoSecret, json: new { name = "beacon podcasts" }));

        Sdk.AssertProblem(topLevel, topLevelBody, 422, "top_level_org");
        Sdk.AssertProblem(notSuspended, notSuspendedBody, 422, "invalid_status_change");
        Sdk.AssertProblem(tooDeep, tooDeepBody, 422, "depth_limit");
        Sdk.AssertProblem(taken, takenBody, 409, "name_taken");
        Assert.Equal("name", takenBody.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_key_without_org_write_cannot_change_orgs()
    {
        var readOnly = await host.CreateKeyAsync(ApiHost.Acme, ApiKeyScopes.OrgRead);
        var beacon = ApiHost.OrgId("Beacon Podcasts");

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{beacon}/suspend", readOnly, json: new { }));

        Sdk.AssertProblem(response, body, 403, "insufficient_scope");
    }
}
