using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.ApiKeys;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.Entitlements;
using Portal.Organizations;
using Portal.E2E.Support;
using Portal.Operations;
using Portal.Usage;

namespace Portal.E2E.Operations;

/// <summary>Two instances of the portal on one PostgreSQL database, as behind a load balancer.</summary>
public sealed class SeveralInstancesTests : IAsyncLifetime
{
    private PostgresTestDatabase? database;
    private PortalApp? instanceA;
    private PortalApp? instanceB;

    private PortalApp A => instanceA!;

    private PortalApp B => instanceB!;

    public async Task InitializeAsync()
    {
        if (PostgresTestServer.ConnectionString is null)
        {
            return;
        }

        database = await PostgresTestServer.CreateDatabaseAsync();
        var certificates = new SharedCertificates();
        instanceA = new PortalApp();
        instanceA.UseSharedDatabase(database, certificates);
        // One after the other: the first migrates and seeds, the second finds it done.
        instanceA.Start();
        instanceB = new PortalApp();
        instanceB.UseSharedDatabase(database, certificates);
        // Behind a load balancer every instance has the one public address (and the provider's redirect URIs with it).
        instanceB.Settings["Portal:PublicBaseUrl"] = instanceA.BaseUrl;
        instanceB.Start();
        await A.Services.GetRequiredService<PostgresCacheInvalidationBus>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        await B.Services.GetRequiredService<PostgresCacheInvalidationBus>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [PostgresFact]
    public async Task A_session_signed_in_through_instance_A_works_on_instance_B()
    {
        var (playwright, browser) = await BrowserFixture.LaunchChromiumAsync();
        try
        {
            var context = await browser.NewContextAsync();
            var portal = new PortalPage(await context.NewPageAsync());
            await portal.Page.GotoAsync(A.BaseUrl + "/");
            await new SignInPage(portal.Page).SignInAsync(DemoSignIn.Owner, A.Services.GetRequiredService<IConfiguration>()["Authentication:DemoAccounts:Password"]!);
            await portal.WaitUntilInteractiveAsync();
            var home = new HomePage(portal);
            await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Ada Lovelace");

            // Same browser, other instance: the session cookie is read with the key ring both share in the database.
            await portal.GoToAsync(B.BaseUrl + "/");

            Assert.StartsWith(B.BaseUrl, portal.Page.Url, StringComparison.Ordinal);
            await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Ada Lovelace");
            await Assertions.Expect(home.OrgName).ToHaveTextAsync(DemoSeed.SuperOrgName);
            Assert.Empty(portal.ConsoleErrors);
            await context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    [PostgresFact]
    public async Task A_key_revoked_through_instance_A_is_refused_by_instance_B_within_a_second()
    {
        var superOrgId = DemoSeed.OrgId(DemoSeed.SuperOrgName);
        IssuedApiKey issued;
        await using (var scope = AsOwnerOn(A))
        {
            issued = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(
                superOrgId, "two instances", [ApiKeyScopes.OrgRead], null, CancellationToken.None);
        }

        using var http = new HttpClient { BaseAddress = new Uri(B.BaseUrl) };
        // B authenticates the key once and keeps it in its cache.
        Assert.Equal(HttpStatusCode.OK, await GetOrgAsync(http, issued.Secret));
        Assert.Equal(HttpStatusCode.OK, await GetOrgAsync(http, issued.Secret));

        await using (var scope = AsOwnerOn(A))
        {
            await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(superOrgId, issued.Key.Id, CancellationToken.None);
        }

        var watch = Stopwatch.StartNew();
        var status = await GetOrgAsync(http, issued.Secret);
        while (status == HttpStatusCode.OK && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
            status = await GetOrgAsync(http, issued.Secret);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"instance B refused the key after {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [PostgresFact]
    public async Task Usage_ingested_through_instance_A_reaches_the_monthly_counter_of_instance_B_within_a_second()
    {
        var superOrgId = DemoSeed.OrgId(DemoSeed.SuperOrgName);
        var childId = DemoSeed.OrgId("Beacon Podcasts");
        var counterOnB = B.Services.GetRequiredService<MonthlyUsageCounter>();
        // B now holds the month's total in memory and would answer with it forever, unless told.
        var before = await counterOnB.GetAsync(superOrgId, null, CancellationToken.None);
        Assert.Equal(before, await counterOnB.GetAsync(superOrgId, null, CancellationToken.None));

        await using (var scope = A.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().SetApiKey("e2e-key", "e2e key", superOrgId);
            var result = await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(
                [new UsageEventInput(childId, "speech", 1234, DateTime.UtcNow, $"e2e-{Guid.NewGuid():N}")], CancellationToken.None);
            Assert.Equal(1, result.Accepted);
        }

        var watch = Stopwatch.StartNew();
        while (await counterOnB.GetAsync(superOrgId, null, CancellationToken.None) != before + 1234 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }

        Assert.Equal(before + 1234, await counterOnB.GetAsync(superOrgId, null, CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"instance B saw the new total after {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [PostgresFact]
    public async Task An_org_suspended_through_instance_A_is_denied_by_the_decision_cache_of_instance_B_within_a_second()
    {
        var duneId = DemoSeed.OrgId("Dune Radio");
        var decisionsOnB = B.Services.GetRequiredService<EntitlementDecisionService>();
        // B now holds Dune Radio's snapshot in memory.
        Assert.True((await decisionsOnB.DecideAsync(duneId, "voice:aria", CancellationToken.None)).Allowed);

        await using (var scope = AsOwnerOn(A))
        {
            await scope.ServiceProvider.GetRequiredService<OrganizationService>().SuspendAsync(duneId, CancellationToken.None);
        }

        var watch = Stopwatch.StartNew();
        var decision = await decisionsOnB.DecideAsync(duneId, "voice:aria", CancellationToken.None);
        while (decision.Allowed && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
            decision = await decisionsOnB.DecideAsync(duneId, "voice:aria", CancellationToken.None);
        }

        Assert.Equal(DecisionReason.OrgSuspended, decision.Reason);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"instance B refused after {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    private static AsyncServiceScope AsOwnerOn(PortalApp instance)
    {
        var scope = instance.Services.CreateAsyncScope();
        var ada = DemoSeed.Owner;
        scope.ServiceProvider.GetRequiredService<TenantContext>().SetUser(ada.Id, ada.DisplayName, DemoSeed.OrgId(ada.OrgName));
        return scope;
    }

    private static async Task<HttpStatusCode> GetOrgAsync(HttpClient http, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/org");
        request.Headers.Add("x-api-key", secret);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    public async Task DisposeAsync()
    {
        if (instanceB is not null)
        {
            await instanceB.DisposeAsync();
        }

        if (instanceA is not null)
        {
            await instanceA.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
