using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.ApiKeys;
using Portal.Tests.TestSupport;

namespace Portal.Tests.ApiKeys;

public sealed class ApiKeyServiceTests : IDisposable
{
    private readonly TestDatabase database = new();

    [DataFact]
    public async Task Creating_a_key_returns_its_secret_once_and_stores_only_its_hash_with_an_audit_entry()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();

        var issued = await keys.CreateAsync(tree.Id("acme"), "  CI deploy ", [ApiKeyScopes.OrgRead, ApiKeyScopes.OrgRead], null, CancellationToken.None);

        Assert.Equal("CI deploy", issued.Key.Name);
        Assert.Equal([ApiKeyScopes.OrgRead], issued.Key.Scopes);
        Assert.StartsWith(issued.Key.Prefix + "_", issued.Secret, StringComparison.Ordinal);
        Assert.True(issued.Secret.Length - ApiKeySecrets.PrefixLength - 1 >= 32);
        Assert.True(ApiKeySecrets.IsWellFormed(issued.Secret));
        await using var db = database.CreateDbContext();
        var stored = await db.Set<ApiKey>().SingleAsync();
        Assert.Equal(ApiKeySecrets.Hash(issued.Secret), stored.SecretHash);
        Assert.Equal(tree.UserId("ada"), stored.CreatedByUserId);
        var entry = await db.AuditEntries.SingleAsync();
        Assert.Equal("apikey.created", entry.Action);
        Assert.DoesNotContain(issued.Secret, entry.After!, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SecretHash, entry.After!, StringComparison.Ordinal);
        Assert.Empty(await db.Set<ApiKey>().Where(k => k.SecretHash.Contains(issued.Secret)).ToListAsync());
    }

    [DataFact]
    public async Task Secrets_are_unique()
    {
        var secrets = Enumerable.Range(0, 1000).Select(_ => ApiKeySecrets.Generate()).ToList();

        Assert.Equal(secrets.Count, secrets.Distinct().Count());
        Assert.Equal(secrets.Count, secrets.Select(ApiKeySecrets.PrefixOf).Distinct().Count());
    }

    [DataTheory]
    [InlineData("", new[] { "org:read" }, "name_required")]
    [InlineData("   ", new[] { "org:read" }, "name_required")]
    [InlineData("line\nbreak", new[] { "org:read" }, "name_invalid")]
    [InlineData("ok", new string[0], "scopes_required")]
    [InlineData("ok", new[] { "org:read", "admin" }, "scope_unknown")]
    public async Task Invalid_names_or_scopes_are_refused_and_nothing_is_stored(string name, string[] scopes, string code)
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(tree.Id("acme"), name, scopes, null, CancellationToken.None));

        Assert.Equal(code, error.Code);
        await using var db = database.CreateDbContext();
        Assert.Equal(0, await db.Set<ApiKey>().CountAsync());
        Assert.Equal(0, await db.AuditEntries.CountAsync());
    }

    [DataTheory]
    [InlineData(ApiKeyScopes.OrgWrite)]
    [InlineData(ApiKeyScopes.ActAs)]
    [InlineData(ApiKeyScopes.FeaturesWrite)]
    [InlineData(ApiKeyScopes.AuditRead)]
    public async Task A_developer_cannot_grant_a_scope_beyond_their_own_permissions(string scope)
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("dev", "acme", BuiltInRoles.DeveloperId);
        await using var provider = Services();
        await using var session = provider.As(tree.UserId("dev"), tree.Id("acme"));
        var keys = session.ServiceProvider.GetRequiredService<ApiKeyService>();

        var error = await Assert.ThrowsAsync<RuleViolationException>(() =>
            keys.CreateAsync(tree.Id("acme"), "too much", [ApiKeyScopes.OrgRead, scope], null, CancellationToken.None));
        var allowed = await keys.CreateAsync(tree.Id("acme"), "enough", [ApiKeyScopes.OrgRead, ApiKeyScopes.UsageWrite], null, CancellationToken.None);

        Assert.Equal("scope_not_grantable", error.Code);
        Assert.DoesNotContain(scope, (await keys.GrantableScopesAsync(tree.Id("acme"), CancellationToken.None)).Select(s => s.Name));
        Assert.Equal(ApiKeyState.Active, allowed.Key.State);
    }

    [DataFact]
    public async Task Viewers_cannot_see_or_create_keys_and_outsiders_are_told_the_org_does_not_exist()
    {
        var tree = Tree.In(database).SuperOrg("acme").SuperOrg("zenith")
            .Member("eve", "acme", BuiltInRoles.ViewerId).Member("uma", "zenith", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var viewer = provider.As(tree.UserId("eve"), tree.Id("acme"));
        await using var outsider = provider.As(tree.UserId("uma"), tree.Id("zenith"));

        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            viewer.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync(tree.Id("acme"), CancellationToken.None));
        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            viewer.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(tree.Id("acme"), "k", [ApiKeyScopes.OrgRead], null, CancellationToken.None));
        await Assert.ThrowsAsync<OrgNotFoundException>(() =>
            outsider.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync(tree.Id("acme"), CancellationToken.None));
    }

    [DataFact]
    public async Task A_parent_owner_manages_a_childs_keys_but_a_child_owner_cannot_see_the_parents()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beacon", "acme")
            .Member("ada", "acme", BuiltInRoles.OwnerId).Member("grace", "beacon", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var parent = provider.As(tree.UserId("ada"), tree.Id("acme"));
        await using var child = provider.As(tree.UserId("grace"), tree.Id("beacon"));
        await parent.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(tree.Id("acme"), "parent key", [ApiKeyScopes.OrgRead], null, CancellationToken.None);

        var childKey = await parent.ServiceProvider.GetRequiredService<ApiKeyService>()
            .CreateAsync(tree.Id("beacon"), "made by the parent", [ApiKeyScopes.OrgRead], null, CancellationToken.None);
        var seenByChild = await child.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync(tree.Id("beacon"), CancellationToken.None);

        Assert.Equal([childKey.Key.Id], seenByChild.Select(k => k.Id));
        await Assert.ThrowsAsync<OrgNotFoundException>(() =>
            child.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync(tree.Id("acme"), CancellationToken.None));
    }

    [DataFact]
    public async Task Rotating_keeps_the_old_key_for_the_grace_period_and_links_the_two()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        var clock = (FixedClock)scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var original = await keys.CreateAsync(tree.Id("acme"), "rotate me", [ApiKeyScopes.OrgRead, ApiKeyScopes.UsageWrite], null, CancellationToken.None);

        var replacement = await keys.RotateAsync(tree.Id("acme"), original.Key.Id, CancellationToken.None);

        Assert.NotEqual(original.Secret, replacement.Secret);
        Assert.Equal(original.Key.Scopes, replacement.Key.Scopes);
        Assert.Equal(original.Key.Name, replacement.Key.Name);
        var listed = await keys.ListAsync(tree.Id("acme"), CancellationToken.None);
        var old = listed.Single(k => k.Id == original.Key.Id);
        Assert.Equal(ApiKeyState.Expiring, old.State);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + TimeSpan.FromHours(24), old.ExpiresAt);
        Assert.Equal(replacement.Key.Id, old.ReplacedByKeyId);
        await using var db = database.CreateDbContext();
        Assert.Equal(original.Key.Id, (await db.Set<ApiKey>().SingleAsync(k => k.Id == replacement.Key.Id)).RotatedFromKeyId);
        Assert.Contains(await db.AuditEntries.Select(a => a.Action).ToListAsync(), a => a == "apikey.rotated");

        clock.Now += TimeSpan.FromHours(25);
        var rotatedLater = await keys.ListAsync(tree.Id("acme"), CancellationToken.None);
        Assert.Equal(ApiKeyState.Expired, rotatedLater.Single(k => k.Id == original.Key.Id).State);
        var error = await Assert.ThrowsAsync<RuleViolationException>(() => keys.RotateAsync(tree.Id("acme"), original.Key.Id, CancellationToken.None));
        Assert.Equal("already_rotated", error.Code);
    }

    [DataFact]
    public async Task Revoking_is_audited_once_and_evicts_the_cached_key()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        var cache = provider.GetRequiredService<ApiKeyCache>();
        var issued = await keys.CreateAsync(tree.Id("acme"), "revoke me", [ApiKeyScopes.OrgRead], null, CancellationToken.None);
        var hash = ApiKeySecrets.Hash(issued.Secret);
        Assert.Null((await cache.FindAsync(hash, CancellationToken.None))!.RevokedAt);

        await keys.RevokeAsync(tree.Id("acme"), issued.Key.Id, CancellationToken.None);
        await keys.RevokeAsync(tree.Id("acme"), issued.Key.Id, CancellationToken.None);

        Assert.NotNull((await cache.FindAsync(hash, CancellationToken.None))!.RevokedAt);
        await using var db = database.CreateDbContext();
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "apikey.revoked"));
    }

    [DataFact]
    public async Task Last_use_is_written_at_most_once_per_interval()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = Services();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(tree.Id("acme"), "busy", [ApiKeyScopes.OrgRead], null, CancellationToken.None);
        var clock = (FixedClock)provider.GetRequiredService<TimeProvider>();
        var lastUse = provider.GetRequiredService<ApiKeyLastUse>();
        var key = (await provider.GetRequiredService<ApiKeyCache>().FindAsync(ApiKeySecrets.Hash(issued.Secret), CancellationToken.None))!;

        var writes = new List<bool>();
        for (var second = 0; second <= 130; second += 10)
        {
            writes.Add(await lastUse.RecordAsync(key, CancellationToken.None));
            clock.Now += TimeSpan.FromSeconds(10);
        }

        Assert.Equal(3, writes.Count(w => w));
    }

    public void Dispose() => database.Dispose();

    private ServiceProvider Services() => new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
}
