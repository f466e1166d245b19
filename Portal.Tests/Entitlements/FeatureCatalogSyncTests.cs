using Microsoft.EntityFrameworkCore;
using Portal.Entitlements;
using Portal.Tests.TestSupport;
using static Portal.Tests.Entitlements.Catalogs;

namespace Portal.Tests.Entitlements;

public sealed class FeatureCatalogSyncTests : IDisposable
{
    private readonly TestDatabase database = new();

    [Fact]
    public void The_shipped_catalog_is_valid_and_holds_the_seven_api_activities_premium_voices_and_voice_intelligence()
    {
        var catalog = FromAppSettings();

        Assert.Empty(CatalogValidation.Problems(catalog));
        Assert.Equal(
            ["activity:file", "activity:mastering", "activity:script", "activity:sound", "activity:speech", "activity:speech-sync", "activity:voice"],
            catalog.Where(i => i.Kind == FeatureKind.Activity).Select(i => i.Key).Order(StringComparer.Ordinal).ToList());
        Assert.True(catalog.Count(i => i.Kind == FeatureKind.Voice && i.Premium) >= 2);
        Assert.Contains(catalog, i => i.Kind == FeatureKind.SoundDesign);
        Assert.Contains(catalog, i => i.Key == VoiceIntelligence && i.Kind == FeatureKind.Capability);
    }

    [Theory]
    [InlineData("speech/sync", "activity:speech-sync")]
    [InlineData("Speech", "activity:speech")]
    [InlineData("file", "activity:file")]
    public void Activity_keys_are_the_api_categories_with_a_hyphen_for_the_slash(string category, string key) =>
        Assert.Equal(key, Activities.KeyOf(category));

    [DataFact]
    public async Task Sync_adds_updates_and_retires_items_but_never_deletes_them()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await SyncAsync(database);
        Allocate(database, tree.Id("beta"), true, Aurora);
        var next = Small.Where(i => i.Key != Aurora)
            .Select(i => i.Key == Aria ? Item(Aria, FeatureKind.Voice, "Aria (renamed)") : i)
            .Append(Item("voice:nova", FeatureKind.Voice, "Nova"))
            .ToList();

        var result = await SyncAsync(database, next);

        Assert.Equal((1, 1), (result.Added, result.Retired));
        Assert.InRange(result.Updated, 1, next.Count);
        await using var db = database.CreateDbContext();
        var items = await db.Set<CatalogItem>().ToDictionaryAsync(i => i.Key);
        Assert.True(items[Aurora].IsRetired);
        Assert.Equal("Aria (renamed)", items[Aria].DisplayName);
        Assert.False(items["voice:nova"].IsRetired);
        Assert.True(await db.Set<FeatureAllocation>().AnyAsync(a => a.OrgId == tree.Id("beta") && a.ItemKey == Aurora));
    }

    [DataFact]
    public async Task A_retired_item_that_comes_back_is_active_again()
    {
        Tree.In(database).SuperOrg("acme");
        await SyncAsync(database);
        await SyncAsync(database, Small.Where(i => i.Key != Aurora).ToList());

        await SyncAsync(database);

        await using var db = database.CreateDbContext();
        Assert.False((await db.Set<CatalogItem>().SingleAsync(i => i.Key == Aurora)).IsRetired);
    }

    [DataFact]
    public async Task Top_level_orgs_get_new_items_and_child_orgs_do_not()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme");
        await SyncAsync(database);
        Allocate(database, tree.Id("acme"), false, Aria);

        var result = await SyncAsync(database, [.. Small, Item("voice:nova", FeatureKind.Voice, "Nova", premium: true)]);

        Assert.Equal(1, result.GrantedToTopLevelOrgs);
        await using var db = database.CreateDbContext();
        var acme = await db.Set<FeatureAllocation>().Where(a => a.OrgId == tree.Id("acme")).ToDictionaryAsync(a => a.ItemKey);
        Assert.Equal(Small.Count + 1, acme.Count);
        Assert.False(acme[Aria].Enabled);
        Assert.True(acme["voice:nova"].Enabled);
        Assert.False(acme["voice:nova"].IncludedForNewChildren);
        Assert.True(acme[Aria].IncludedForNewChildren);
        Assert.False(await db.Set<FeatureAllocation>().AnyAsync(a => a.OrgId == tree.Id("beta")));
    }

    [DataTheory]
    [InlineData("voice:Aria", FeatureKind.Voice, "a key is 'kind:slug'")]
    [InlineData("voices:aria", FeatureKind.Voice, "a key is 'kind:slug'")]
    [InlineData("voice:aria--x", FeatureKind.Voice, "a key is 'kind:slug'")]
    [InlineData("voice:kite", FeatureKind.Capability, "its Kind is Capability but its prefix says Voice")]
    [InlineData("activity:translate", FeatureKind.Activity, "activities are the API's categories")]
    [InlineData("voice:aria", FeatureKind.Voice, "appears more than once")]
    public async Task An_invalid_catalog_is_refused_with_a_clear_message_and_nothing_is_stored(string key, FeatureKind kind, string problem)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SyncAsync(database, [.. Small, Item(key, kind, "Bad")]));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("Entitlements:Catalog", error.Message, StringComparison.Ordinal);
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.Set<CatalogItem>().CountAsync());
    }

    [Fact]
    public void Every_activity_must_be_in_the_catalog() =>
        Assert.Contains(CatalogValidation.Problems(Small.Where(i => i.Key != Activities.File).ToList()),
            problem => problem.StartsWith("'activity:file' is missing", StringComparison.Ordinal));

    public void Dispose() => database.Dispose();
}
