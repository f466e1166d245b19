using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Entitlements;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Entitlements;

public sealed class DemoAllocationTests : IAsyncLifetime
{
    private readonly TestDatabase database = new();
    private ServiceProvider provider = null!;

    public async Task InitializeAsync()
    {
        await using (var db = database.CreateDbContext())
        {
            await DemoSeed.SeedAsync(db, TimeProvider.System, CancellationToken.None);
        }

        await Catalogs.SyncAsync(database, Catalogs.FromAppSettings());
        provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
    }

    private async Task<IReadOnlyList<FeatureState>> EffectiveAtAsync(string orgName)
    {
        var owner = DemoSeed.Owner;
        await using var scope = provider.As(owner.Id, DemoSeed.OrgId(DemoSeed.SuperOrgName));
        var features = await scope.ServiceProvider.GetRequiredService<EntitlementService>().GetFeaturesAsync(DemoSeed.OrgId(orgName), CancellationToken.None);
        return features.Items;
    }

    [DataFact]
    public async Task Some_customers_have_premium_voices_and_others_do_not()
    {
        static bool HasPremiumVoice(IReadOnlyList<FeatureState> items) => items.Any(i => i.Effective && i.Item.IsPremium && i.Item.Kind == FeatureKind.Voice);

        Assert.True(HasPremiumVoice(await EffectiveAtAsync("Beacon Podcasts")));
        Assert.True(HasPremiumVoice(await EffectiveAtAsync("Cobalt Learning")));
        Assert.False(HasPremiumVoice(await EffectiveAtAsync("Dune Radio")));
        Assert.False(HasPremiumVoice(await EffectiveAtAsync("Fable Kids")));
    }

    [DataFact]
    public async Task Cobalt_Learning_has_no_Voice_Intelligence_and_Beacon_Podcasts_has_it()
    {
        Assert.False((await EffectiveAtAsync("Cobalt Learning")).Single(i => i.Item.Key == Catalogs.VoiceIntelligence).Effective);
        Assert.True((await EffectiveAtAsync("Beacon Podcasts")).Single(i => i.Item.Key == Catalogs.VoiceIntelligence).Effective);
    }

    [DataFact]
    public async Task A_voice_switched_off_at_Acme_is_unavailable_to_Beacon_although_Beacon_keeps_it_on()
    {
        var nova = (await EffectiveAtAsync("Beacon Podcasts")).Single(i => i.Item.Key == "voice:nova-studio");

        Assert.True(nova.Enabled);
        Assert.False(nova.Effective);
        Assert.Equal($"Not available: off at {DemoSeed.SuperOrgName}", nova.Reason);
    }

    [DataFact]
    public async Task The_suspended_Echo_Games_is_denied_whatever_it_is_allocated()
    {
        var decisions = provider.GetRequiredService<EntitlementDecisionService>();

        var echo = await decisions.DecideAsync(DemoSeed.OrgId("Echo Games"), "voice:aurora-studio", CancellationToken.None);
        var beacon = await decisions.DecideAsync(DemoSeed.OrgId("Beacon Podcasts"), "voice:aurora-studio", CancellationToken.None);

        Assert.Equal("org_suspended", echo.Code);
        Assert.Equal("allowed", beacon.Code);
    }

    public async Task DisposeAsync()
    {
        await provider.DisposeAsync();
        database.Dispose();
    }
}
