using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Usage;

namespace Portal.Tests.Api;

/// <summary>What the official SDKs send, and what they read back: status, Content-Type and JSON shape.</summary>
[Collection(ApiCollection.Name)]
public sealed class SdkContractTests(ApiHost host)
{
    private static readonly string Beacon = ApiHost.OrgId("Beacon Podcasts");
    private static readonly string[] Statuses = ["active", "suspended", "closed"];

    [Fact]
    public async Task Python_get_org_data_returns_the_keys_org()
    {
        var (response, org) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        AssertOrgShape(org);
        Assert.Equal(ApiHost.Acme, org.GetProperty("orgId").GetString());
        Assert.Equal(DemoSeed.SuperOrgName, org.GetProperty("orgName").GetString());
        Assert.Equal(JsonValueKind.Null, org.GetProperty("parentOrgId").ValueKind);
        Assert.Equal("active", org.GetProperty("status").GetString());
        Assert.Equal(0, org.GetProperty("depth").GetInt32());
        Assert.True(org.GetProperty("childCount").GetInt32() >= 6);
    }

    [Fact]
    public async Task Python_list_child_orgs_returns_a_list_of_orgs_with_their_data()
    {
        var (response, children) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org/child_orgs", host.DemoSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(JsonValueKind.Array, children.ValueKind);
        var names = children.EnumerateArray().Select(c => c.GetProperty("orgName").GetString()).ToList();
        Assert.Subset(names.ToHashSet(), new HashSet<string?> { "Beacon Podcasts", "Cobalt Learning", "Dune Radio", "Echo Games", "Fable Kids", "Gamma News" });
        foreach (var child in children.EnumerateArray())
        {
            AssertOrgShape(child);
            Assert.Equal(ApiHost.Acme, child.GetProperty("parentOrgId").GetString());
        }

        Assert.Contains(children.EnumerateArray(), c => c.GetProperty("orgName").GetString() == "Echo Games" && c.GetProperty("status").GetString() == "suspended");
    }

    [Fact]
    public async Task Child_orgs_carry_their_usage_this_period_when_the_key_may_read_usage()
    {
        var dune = ApiHost.OrgId("Dune Radio");
        var now = host.Clock.GetUtcNow().UtcDateTime;
        await using (var db = host.Db())
        {
            // The demo seed has usage too: add to today's row of the roll-up, or start it.
            var today = await db.Set<UsageRollup>().SingleOrDefaultAsync(r => r.OrgId == dune && r.Activity == "speech" && r.Day == now.Date);
            if (today is null)
            {
                db.Set<UsageRollup>().Add(new UsageRollup { OrgId = dune, Activity = "speech", Day = now.Date, Credits = 1234, Events = 3 });
            }
            else
            {
                today.Credits += 1234;
            }

            await db.SaveChangesAsync();
        }

        var usageKey = await host.CreateKeyAsync(ApiHost.Acme, "org:read", "usage:read");
        var orgOnlyKey = await host.CreateKeyAsync(ApiHost.Acme, "org:read");

        var (_, withUsage) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org/child_orgs", usageKey));
        var (_, withoutUsage) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org/child_orgs", orgOnlyKey));

        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var check = host.Db();
        var thisMonth = await check.Set<UsageRollup>()
            .Where(r => r.OrgId == dune && r.Day >= monthStart && r.Day < monthStart.AddMonths(1)).ToListAsync();
        var usage = withUsage.EnumerateArray().Single(c => c.GetProperty("orgId").GetString() == dune).GetProperty("usage");
        Assert.Equal(thisMonth.Sum(r => r.Credits), usage.GetProperty("credits").GetInt64());
        Assert.Equal(thisMonth.Where(r => r.Activity == "speech").Sum(r => r.Credits), usage.GetProperty("byActivity").GetProperty("speech").GetInt64());
        Assert.True(usage.GetProperty("credits").GetInt64() >= 1234);
        Assert.Equal(new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc), usage.GetProperty("periodStart").GetDateTime().ToUniversalTime());
        Assert.All(withUsage.EnumerateArray(), c => Assert.True(c.TryGetProperty("usage", out _)));
        Assert.All(withoutUsage.EnumerateArray(), c => Assert.False(c.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task Python_get_secrets_returns_key_metadata_and_never_a_secret()
    {
        var secret = await host.CreateKeyAsync(ApiHost.Acme, "org:read");

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", secret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(ApiHost.Acme, body.GetProperty("orgId").GetString());
        var key = body.GetProperty("apiKey");
        Assert.Equal(secret[..12], key.GetProperty("prefix").GetString());
        Assert.Equal(["org:read"], key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var raw = body.GetRawText();
        Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_secrets_shows_the_signing_secrets_of_the_webhooks_an_org_set_on_its_children_only_with_webhooks_read()
    {
        var fable = ApiHost.OrgId("Fable Kids");
        string signingSecret;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var owner = DemoSeed.Owner;
            scope.ServiceProvider.GetRequiredService<Portal.Access.TenantContext>().SetUser(owner.Id, owner.DisplayName, ApiHost.Acme);
            var billing = scope.ServiceProvider.GetRequiredService<Portal.Billing.BillingService>();
            await billing.SetSpendLimitAsync(fable, 1_000_000_000_000, false, "https://hooks.example.test/spend", CancellationToken.None);
            signingSecret = (await billing.GetAlertWebhookAsync(fable, CancellationToken.None))!.SigningSecret!;
        }

        var webhooksReader = await host.CreateKeyAsync(ApiHost.Acme, "org:read", "webhooks:read", "act-as");
        var (_, parentView) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", webhooksReader));
        var (_, orgReaderView) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", await host.CreateKeyAsync(ApiHost.Acme, "org:read")));
        var (_, billingReaderView) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", await host.CreateKeyAsync(ApiHost.Acme, "org:read", "billing:read")));
        var (_, childView) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", await host.CreateKeyAsync(fable, "org:read", "webhooks:read")));
        var (_, assumedView) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/secrets", webhooksReader, assumeOrg: fable));

        var hook = Assert.Single(parentView.GetProperty("alertWebhooks").EnumerateArray(), w => w.GetProperty("orgId").GetString() == fable);
        Assert.Equal("https://hooks.example.test/spend", hook.GetProperty("url").GetString());
        Assert.Equal(signingSecret, hook.GetProperty("signingSecret").GetString());
        Assert.Empty(orgReaderView.GetProperty("alertWebhooks").EnumerateArray());
        Assert.Empty(billingReaderView.GetProperty("alertWebhooks").EnumerateArray());
        Assert.DoesNotContain(signingSecret, childView.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(signingSecret, assumedView.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/org")]
    [InlineData("/org/child_orgs")]
    [InlineData("/secrets")]
    public async Task Python_with_assume_org_acts_as_the_child(string path)
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, path, host.DemoSecret, assumeOrg: Beacon));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        switch (path)
        {
            case "/org":
                Assert.Equal(Beacon, body.GetProperty("orgId").GetString());
                Assert.Equal(ApiHost.Acme, body.GetProperty("parentOrgId").GetString());
                break;
            case "/org/child_orgs":
                Assert.Empty(body.EnumerateArray());
                break;
            default:
                Assert.Equal(Beacon, body.GetProperty("orgId").GetString());
                Assert.Equal(ApiHost.Acme, body.GetProperty("apiKey").GetProperty("orgId").GetString());
                break;
        }
    }

    [Fact]
    public async Task Python_with_an_empty_assume_org_is_not_assuming()
    {
        var (response, org) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret, assumeOrg: ""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ApiHost.Acme, org.GetProperty("orgId").GetString());
    }

    [Theory]
    [InlineData("/org/")]
    [InlineData("/org/child_orgs/")]
    [InlineData("/secrets/")]
    public async Task JavaScript_style_paths_with_a_trailing_slash_work_with_x_api_key_and_with_bearer(string path)
    {
        var (withKey, keyBody) = await host.SendAsync(Sdk.Js(HttpMethod.Get, path, apiKey: host.DemoSecret));
        var (withBearer, bearerBody) = await host.SendAsync(Sdk.Js(HttpMethod.Get, path, bearer: host.DemoSecret, assumeOrg: Beacon));

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withBearer.StatusCode);
        Assert.Equal("application/json", withBearer.Content.Headers.ContentType?.ToString());
        if (path == "/org/")
        {
            Assert.Equal(ApiHost.Acme, keyBody.GetProperty("orgId").GetString());
            Assert.Equal(Beacon, bearerBody.GetProperty("orgId").GetString());
        }
    }

    [Fact]
    public async Task A_post_answers_exactly_application_json_as_the_python_sdk_compares_it()
    {
        var name = "Contract " + Guid.NewGuid().ToString("N")[..8];

        var (response, org) = await host.SendAsync(
            Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/children", host.DemoSecret, json: new { name }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        AssertOrgShape(org);
        Assert.Equal(name, org.GetProperty("orgName").GetString());
        Assert.Equal($"/api/v1/orgs/{org.GetProperty("orgId").GetString()}", response.Headers.Location?.OriginalString);
    }

    public static TheoryData<string, string?, string?, int, string> Errors() => new()
    {
        { "/org", null, null, 401, "api_key_missing" },
        { "/org/child_orgs", "ptl_notakey_00000000000000000000000000000000000000", null, 401, "api_key_invalid" },
        { "/org", "DEMO", "11111111-2222-5333-8444-555555555555", 403, "assume_org_forbidden" },
        { "/org", "DEMO", "not-an-org", 400, "assume_org_malformed" },
        { "/api/v1/orgs/11111111-2222-5333-8444-555555555555", "DEMO", null, 404, "org_not_found" },
        { "/api/v1/no-such-thing", "DEMO", null, 404, "not_found" },
        { "/org/no_such_thing", null, null, 401, "api_key_missing" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Every_error_is_a_non_empty_problem_json_object_for_both_sdks(string path, string? key, string? assume, int status, string code)
    {
        var apiKey = key == "DEMO" ? host.DemoSecret : key;

        var (python, pythonBody) = await host.SendAsync(Sdk.Python(HttpMethod.Get, path, apiKey ?? "", assume));
        var (js, jsBody) = await host.SendAsync(Sdk.Js(HttpMethod.Get, path + "/", apiKey: apiKey, assumeOrg: assume));

        Sdk.AssertProblem(python, pythonBody, status, code);
        Sdk.AssertProblem(js, jsBody, status, code);
    }

    [Fact]
    public async Task A_key_without_the_scope_gets_403_naming_the_scope()
    {
        var secret = await host.CreateKeyAsync(ApiHost.Acme, "usage:read");

        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", secret));

        Sdk.AssertProblem(response, body, 403, "insufficient_scope");
        Assert.Equal(["org:read"], body.GetProperty("requiredScopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task A_wrong_method_is_405_in_json_not_an_html_page()
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Post, "/org", host.DemoSecret, json: new { }));

        Sdk.AssertProblem(response, body, 405, "method_not_allowed");
    }

    [Fact]
    public async Task Portal_pages_send_a_browser_without_a_session_to_sign_in_but_api_paths_never_redirect()
    {
        using var client = host.Client();

        var page = await client.GetAsync("/no-such-page");
        var api = await client.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task The_openapi_document_and_the_reference_page_are_served()
    {
        using var client = host.Client();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var page = await client.GetAsync("/api/reference/");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/org", paths);
        Assert.Contains("/org/child_orgs", paths);
        Assert.Contains("/secrets", paths);
        Assert.Contains("/api/v1/orgs/{orgId}/children", paths);
        Assert.Equal("x-api-key", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.DoesNotContain(paths, p => p.StartsWith("/orgs/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.StartsWith("text/html", page.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    private static void AssertOrgShape(JsonElement org)
    {
        Assert.Equal(JsonValueKind.Object, org.ValueKind);
        Assert.True(Guid.TryParseExact(org.GetProperty("orgId").GetString(), "D", out _));
        Assert.False(string.IsNullOrEmpty(org.GetProperty("orgName").GetString()));
        Assert.Contains(org.GetProperty("status").GetString(), Statuses);
        Assert.True(org.GetProperty("createdAt").TryGetDateTime(out _));
        Assert.Equal(JsonValueKind.Number, org.GetProperty("depth").ValueKind);
        Assert.Equal(JsonValueKind.Number, org.GetProperty("childCount").ValueKind);
        Assert.True(org.TryGetProperty("parentOrgId", out _));
    }
}
