using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Portal.ApiKeys;
using Portal.Data;
using Portal.Entitlements;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Entitlements;

/// <summary>When the fast path cannot answer (here: the database is gone), the general path gets the request, body intact.</summary>
public sealed class DecisionFastPathFallbackTests
{
    [Fact]
    public async Task A_gateway_key_that_cannot_be_looked_up_goes_the_general_way()
    {
        var database = new TestDatabase();
        await using var services = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        database.Dispose();

        var (handedOn, body) = await InvokeAsync(services, ApiKeySecrets.Generate());

        Assert.True(handedOn);
        Assert.Equal(Body, body);
    }

    [Fact]
    public async Task An_answer_that_fails_after_the_gateway_key_was_found_goes_the_general_way_with_its_body()
    {
        var database = new TestDatabase();
        var tree = Tree.In(database).SuperOrg("acme");
        var gateway = ApiKeySecrets.Generate();
        await using (var db = database.CreateDbContext())
        {
            db.Set<ApiKey>().Add(ApiKey.ForSecret(Guid.NewGuid().ToString("D"), tree.Id("acme"), gateway, "gateway", [ApiKeyScopes.Decision], DateTime.UtcNow, "test"));
            await db.SaveChangesAsync();
        }

        await using var services = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        Assert.NotNull(await services.GetRequiredService<ApiKeyCache>().FindAsync(ApiKeySecrets.Hash(gateway), CancellationToken.None));
        database.Dispose();

        var (handedOn, body) = await InvokeAsync(services, gateway);

        Assert.True(handedOn);
        Assert.Equal(Body, body);
    }

    private static readonly string Body = $$"""{"apiKey":"{{ApiKeySecrets.Generate()}}","activity":"speech"}""";

    private static async Task<(bool HandedOn, string? Body)> InvokeAsync(IServiceProvider services, string gatewayKey)
    {
        string? seen = null;
        var handedOn = false;
        var fastPath = ActivatorUtilities.CreateInstance<DecisionFastPath>(services, (RequestDelegate)(async context =>
        {
            handedOn = true;
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            seen = await reader.ReadToEndAsync();
        }));
        var bytes = Encoding.UTF8.GetBytes(Body);
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Path = DecisionApi.Path;
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = bytes.Length;
        http.Request.Body = new MemoryStream(bytes);
        http.Request.Headers["x-api-key"] = gatewayKey;

        await fastPath.InvokeAsync(http);
        return (handedOn, seen);
    }
}
