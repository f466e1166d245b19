using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Billing;
using Portal.Organizations;
using Portal.Tests.TestSupport;
using Portal.Usage;

namespace Portal.Tests.Billing;

public sealed class BillingServiceTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 20, 12, 0, 0, DateTimeKind.Utc);
    private readonly TestDatabase database = new();

    [DataFact]
    public async Task The_statement_has_a_line_per_org_and_activity_with_subtotals_and_a_total()
    {
        var tree = Arrange();
        await using var provider = Services();
        await IngestAsync(provider, tree.Id("acme"),
            (tree.Id("beta"), "speech", 1000), (tree.Id("beta"), "script", 500), (tree.Id("gamma"), "speech", 250), (tree.Id("acme"), "voice", 100));
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));

        var statement = await scope.ServiceProvider.GetRequiredService<BillingService>().GetStatementAsync(tree.Id("acme"), Now, CancellationToken.None);

        Assert.Equal(["acme", "beta", "gamma"], statement.Orgs.Select(o => o.Name));
        var beta = statement.Orgs.Single(o => o.Name == "beta");
        Assert.Equal([("script", 500L, 0.50m), ("speech", 1000L, 4.00m)], beta.Lines.Select(l => (l.Activity, l.Credits, l.Amount)));
        Assert.Equal(4.50m, beta.Amount);
        Assert.Equal(1850, statement.TotalCredits);
        Assert.Equal(4.50m + 1.00m + 0.05m, statement.TotalAmount);
        Assert.False(statement.IsFinal);
    }

    [DataFact]
    public async Task A_child_that_pays_for_itself_leaves_the_parents_statement_and_gets_its_own()
    {
        var tree = Arrange();
        await using var provider = Services();
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 1000), (tree.Id("gamma"), "speech", 250));
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            await scope.ServiceProvider.GetRequiredService<BillingService>().SetBillingModeAsync(tree.Id("gamma"), BillingMode.BilledToSelf, CancellationToken.None);
            var parent = await scope.ServiceProvider.GetRequiredService<BillingService>().GetStatementAsync(tree.Id("acme"), Now, CancellationToken.None);
            Assert.Equal(["beta"], parent.Orgs.Select(o => o.Name));
        }

        await using var gammaScope = provider.As(tree.UserId("gus"), tree.Id("gamma"));
        var own = await gammaScope.ServiceProvider.GetRequiredService<BillingService>().GetStatementAsync(tree.Id("gamma"), Now, CancellationToken.None);
        Assert.Equal(250, own.TotalCredits);
    }

    [DataFact]
    public async Task The_csv_total_equals_the_statement_total()
    {
        var tree = Arrange();
        await using var provider = Services();
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 1234), (tree.Id("gamma"), "mastering", 777), (tree.Id("gamma"), "file", 3));
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
        using var output = new MemoryStream();

        await billing.WriteStatementCsvAsync(tree.Id("acme"), Now, output, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var total = lines.Single(l => l.Contains(",total,", StringComparison.Ordinal)).Split(',');
        var statement = await billing.GetStatementAsync(tree.Id("acme"), Now, CancellationToken.None);
        Assert.Equal(statement.TotalAmount, decimal.Parse(total[6], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(lines.Where(l => !l.StartsWith("period", StringComparison.Ordinal) && !l.Contains(",subtotal,", StringComparison.Ordinal) && !l.Contains(",total,", StringComparison.Ordinal))
            .Sum(l => decimal.Parse(l.Split(',')[6], System.Globalization.CultureInfo.InvariantCulture)), statement.TotalAmount);
    }

    [DataFact]
    public async Task Spend_limits_are_set_from_above_and_a_child_admin_cannot_lift_their_own()
    {
        var tree = Arrange();
        await using var provider = Services();
        await using (var child = provider.As(tree.UserId("bob"), tree.Id("beta")))
        {
            await Assert.ThrowsAsync<OrgNotFoundException>(() =>
                child.ServiceProvider.GetRequiredService<BillingService>().SetSpendLimitAsync(tree.Id("beta"), 1_000_000, false, null, CancellationToken.None));
        }

        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
        var invalid = await Assert.ThrowsAsync<RuleViolationException>(() => billing.SetSpendLimitAsync(tree.Id("beta"), 0, false, null, CancellationToken.None));
        var badHook = await Assert.ThrowsAsync<RuleViolationException>(() => billing.SetSpendLimitAsync(tree.Id("beta"), 10, false, "ftp://x", CancellationToken.None));
        Assert.Equal(("limit_invalid", "webhook_invalid"), (invalid.Code, badHook.Code));
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.Set<SpendLimit>().CountAsync());
    }

    [DataFact]
    public async Task Alerts_are_recorded_once_per_threshold_and_period_and_posted_to_the_webhook()
    {
        var tree = Arrange();
        using var webhook = new RecordingWebhook();
        await using var provider = Services();
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            await scope.ServiceProvider.GetRequiredService<BillingService>().SetSpendLimitAsync(tree.Id("beta"), 1000, true, webhook.Url, CancellationToken.None);
        }

        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 700));
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 150));
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 10));
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 300));

        await using var db = database.CreateDbContext();
        var alerts = await db.Set<SpendAlert>().OrderBy(a => a.ThresholdPercent).ToListAsync();
        Assert.Equal([(80, 850L), (100, 1160L)], alerts.Select(a => (a.ThresholdPercent, a.CreditsUsed)));
        var deliveries = await webhook.WaitForAsync(2, TimeSpan.FromSeconds(10));
        Assert.Contains(deliveries, d => d.Body.Contains("\"thresholdPercent\":80", StringComparison.Ordinal));
        Assert.Contains(deliveries, d => d.Body.Contains("\"thresholdPercent\":100", StringComparison.Ordinal));

        // Each delivery is signed with the webhook's secret, which its parent's billing readers can see.
        await using var reader = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var hook = await reader.ServiceProvider.GetRequiredService<BillingService>().GetAlertWebhookAsync(tree.Id("beta"), CancellationToken.None);
        Assert.StartsWith(WebhookSigning.SecretMarker, hook!.SigningSecret, StringComparison.Ordinal);
        Assert.All(deliveries, d => Assert.True(SignedWith(hook.SigningSecret!, d), $"{d.Signature} does not sign {d.Body}"));
    }

    [DataFact]
    public async Task A_rotated_signing_secret_signs_from_then_on_and_only_the_parent_side_sees_it()
    {
        var tree = Arrange();
        using var webhook = new RecordingWebhook();
        await using var provider = Services();
        AlertWebhook before, rotated;
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
            await billing.SetSpendLimitAsync(tree.Id("beta"), 1000, false, webhook.Url, CancellationToken.None);
            before = (await billing.GetAlertWebhookAsync(tree.Id("beta"), CancellationToken.None))!;
            rotated = await billing.RotateAlertWebhookSecretAsync(tree.Id("beta"), CancellationToken.None);
            var listed = await billing.GetChildAlertWebhooksAsync(tree.Id("acme"), CancellationToken.None);
            Assert.Equal([(tree.Id("beta"), webhook.Url, rotated.SigningSecret)], listed.Where(w => w.OrgId == tree.Id("beta")).Select(w => (w.OrgId, w.Url, w.SigningSecret)));
            var noHook = await Assert.ThrowsAsync<RuleViolationException>(() => billing.RotateAlertWebhookSecretAsync(tree.Id("gamma"), CancellationToken.None));
            Assert.Equal("webhook_not_set", noHook.Code);

            // Another path on the same receiver keeps the secret; another host gets a new one.
            await billing.SetSpendLimitAsync(tree.Id("gamma"), 1000, false, "https://hooks.example.test/a", CancellationToken.None);
            var first = (await billing.GetAlertWebhookAsync(tree.Id("gamma"), CancellationToken.None))!.SigningSecret;
            await billing.SetSpendLimitAsync(tree.Id("gamma"), 1000, false, "https://hooks.example.test/b", CancellationToken.None);
            var samePath = (await billing.GetAlertWebhookAsync(tree.Id("gamma"), CancellationToken.None))!.SigningSecret;
            await billing.SetSpendLimitAsync(tree.Id("gamma"), 1000, false, "https://elsewhere.example.test/a", CancellationToken.None);
            var otherHost = (await billing.GetAlertWebhookAsync(tree.Id("gamma"), CancellationToken.None))!.SigningSecret;
            Assert.Equal(first, samePath);
            Assert.NotEqual(first, otherHost);
        }

        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 900));
        var delivery = Assert.Single(await webhook.WaitForAsync(1, TimeSpan.FromSeconds(10)));

        Assert.NotEqual(before.SigningSecret, rotated.SigningSecret);
        Assert.True(SignedWith(rotated.SigningSecret!, delivery));
        Assert.False(SignedWith(before.SigningSecret!, delivery));
        await using (var child = provider.As(tree.UserId("bob"), tree.Id("beta")))
        {
            // Beta's own owner sees no webhook its parent set on it, and cannot rotate it.
            var billing = child.ServiceProvider.GetRequiredService<BillingService>();
            await Assert.ThrowsAsync<OrgNotFoundException>(() => billing.GetAlertWebhookAsync(tree.Id("beta"), CancellationToken.None));
            await Assert.ThrowsAsync<OrgNotFoundException>(() => billing.RotateAlertWebhookSecretAsync(tree.Id("beta"), CancellationToken.None));
            Assert.Empty(await billing.GetChildAlertWebhooksAsync(tree.Id("beta"), CancellationToken.None));
        }

        await using var db = database.CreateDbContext();
        var stored = await db.Set<SpendLimit>().SingleAsync(l => l.OrgId == tree.Id("beta"));
        Assert.DoesNotContain(rotated.SigningSecret!, stored.AlertWebhookSecret, StringComparison.Ordinal);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "billing.webhook_secret_rotated" && a.TargetOrgId == tree.Id("beta")));
    }

    private static bool SignedWith(string secret, (string Body, string? Signature) delivery)
    {
        var parts = (delivery.Signature ?? "").Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1))
        {
            return false;
        }

        var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(t + "." + delivery.Body));
        return Convert.ToHexStringLower(mac) == v1;
    }

    [DataFact]
    public async Task A_hard_stop_makes_the_decision_service_refuse_until_the_limit_is_raised()
    {
        var tree = Arrange();
        await Portal.Tests.Entitlements.Catalogs.SyncAsync(database);
        Portal.Tests.Entitlements.Catalogs.Allocate(database, tree.Id("beta"), true, "activity:speech");
        await using var provider = Services();
        var decisions = provider.GetRequiredService<Portal.Entitlements.EntitlementDecisionService>();
        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            await scope.ServiceProvider.GetRequiredService<BillingService>().SetSpendLimitAsync(tree.Id("beta"), 1000, true, null, CancellationToken.None);
        }

        Assert.Equal("allowed", (await decisions.DecideAsync(tree.Id("beta"), "activity:speech", CancellationToken.None)).Code);
        await IngestAsync(provider, tree.Id("acme"), (tree.Id("beta"), "speech", 1000));
        var refused = await decisions.DecideAsync(tree.Id("beta"), "activity:speech", CancellationToken.None);
        Assert.Equal(("spend_limit_reached", tree.Id("beta")), (refused.Code, refused.AtOrgId));

        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            await scope.ServiceProvider.GetRequiredService<BillingService>().SetSpendLimitAsync(tree.Id("beta"), 5000, true, null, CancellationToken.None);
        }

        Assert.Equal("allowed", (await decisions.DecideAsync(tree.Id("beta"), "activity:speech", CancellationToken.None)).Code);
    }

    private Tree Arrange() => Tree.In(database).SuperOrg("acme").Child("beta", "acme").Child("gamma", "acme")
        .Member("ada", "acme", BuiltInRoles.OwnerId).Member("bob", "beta", BuiltInRoles.OwnerId).Member("gus", "gamma", BuiltInRoles.OwnerId);

    private ServiceProvider Services()
    {
        var services = new ServiceCollection().AddPortalForTests(database);
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.Configure<BillingOptions>(o =>
        {
            o.UnitPrices = new() { ["speech"] = 0.004m, ["script"] = 0.001m, ["mastering"] = 0.003m, ["voice"] = 0.0005m };
            o.DefaultUnitPrice = 0.002m;
        });
        return services.BuildServiceProvider();
    }

    private static async Task IngestAsync(ServiceProvider provider, string keyOrgId, params (string OrgId, string Activity, long Credits)[] events)
    {
        await using var scope = provider.AsApiKey(keyOrgId);
        await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(
            events.Select(e => new UsageEventInput(e.OrgId, e.Activity, e.Credits, Now.AddHours(-2), Guid.NewGuid().ToString())).ToList(), CancellationToken.None);
    }

    public void Dispose() => database.Dispose();

    /// <summary>A real HTTP endpoint on loopback that keeps what it was sent.</summary>
    private sealed class RecordingWebhook : IDisposable
    {
        private readonly HttpListener listener;
        private readonly List<(string Body, string? Signature)> bodies = [];

        public RecordingWebhook()
        {
            // HttpListener cannot take port 0: try ports below Linux's ephemeral range until one is free.
            for (var attempt = 1; ; attempt++)
            {
                var port = Random.Shared.Next(20000, 32000);
                Url = $"http://127.0.0.1:{port}/hook/";
                listener = new HttpListener();
                listener.Prefixes.Add(Url);
                try
                {
                    listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 20)
                {
                    listener.Close();
                }
            }

            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    try
                    {
                        var context = await listener.GetContextAsync();
                        using var reader = new StreamReader(context.Request.InputStream);
                        var body = await reader.ReadToEndAsync();
                        lock (bodies)
                        {
                            bodies.Add((body, context.Request.Headers[WebhookSigning.SignatureHeader]));
                        }

                        context.Response.StatusCode = 204;
                        context.Response.Close();
                    }
                    catch (HttpListenerException)
                    {
                        return;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            });
        }

        public string Url { get; private set; }

        public async Task<List<(string Body, string? Signature)>> WaitForAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                lock (bodies)
                {
                    if (bodies.Count >= count)
                    {
                        return [.. bodies];
                    }
                }

                await Task.Delay(50);
            }

            lock (bodies)
            {
                return [.. bodies];
            }
        }

        public void Dispose() => listener.Close();
    }
}
