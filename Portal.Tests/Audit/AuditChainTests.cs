using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Audit;
using Portal.Organizations;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Audit;

public sealed class AuditChainTests : IDisposable
{
    private readonly TestDatabase database = new();

    [Fact]
    public async Task An_untouched_chain_verifies()
    {
        var (provider, tree) = await ArrangeWithChangesAsync();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));

        var result = await scope.ServiceProvider.GetRequiredService<AuditService>().VerifyChainAsync(tree.Id("acme"), CancellationToken.None);

        Assert.True(result.Intact, result.Message);
        Assert.Equal(4, result.EntriesChecked);
    }

    [Theory]
    [InlineData("UPDATE AuditEntries SET ActorName = 'Mallory' WHERE Sequence = 2")]
    [InlineData("UPDATE AuditEntries SET After = '{\"Name\":\"forged\"}' WHERE Sequence = 3")]
    [InlineData("DELETE FROM AuditEntries WHERE Sequence = 2")]
    [InlineData("UPDATE AuditEntries SET \"At\" = '2020-01-01 00:00:00' WHERE Sequence = 4")]
    public async Task Verification_fails_when_an_entry_is_altered_or_removed(string tampering)
    {
        var (provider, tree) = await ArrangeWithChangesAsync();
        await using (var connection = new SqliteConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = tampering;
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var result = await scope.ServiceProvider.GetRequiredService<AuditService>().VerifyChainAsync(tree.Id("acme"), CancellationToken.None);

        Assert.False(result.Intact);
        Assert.True(result.FirstBrokenSequence is >= 2 and <= 4, result.Message);
    }

    [Fact]
    public async Task Concurrent_writers_never_fork_the_chain()
    {
        var tree = Tree.In(database).SuperOrg("acme").Member("ada", "acme", BuiltInRoles.OwnerId);
        await using var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
            await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateChildAsync(tree.Id("acme"), $"child {i}", CancellationToken.None);
        }));

        await using var verifyScope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var result = await verifyScope.ServiceProvider.GetRequiredService<AuditService>().VerifyChainAsync(tree.Id("acme"), CancellationToken.None);
        Assert.True(result.Intact, result.Message);
        Assert.Equal(12, result.EntriesChecked);
    }

    [Fact]
    public async Task A_super_orgs_audit_view_includes_its_descendants_but_a_child_sees_only_its_own()
    {
        var (provider, tree) = await ArrangeWithChangesAsync();

        await using (var scope = provider.As(tree.UserId("ada"), tree.Id("acme")))
        {
            var page = await scope.ServiceProvider.GetRequiredService<AuditService>().SearchAsync(new AuditQuery(tree.Id("acme")), CancellationToken.None);
            Assert.Equal(4, page.Total);
        }

        await using (var scope = provider.As(tree.UserId("bob"), tree.Id("beta")))
        {
            var audit = scope.ServiceProvider.GetRequiredService<AuditService>();
            var page = await audit.SearchAsync(new AuditQuery(tree.Id("beta")), CancellationToken.None);
            Assert.All(page.Rows, r => Assert.Equal(tree.Id("beta"), r.TargetOrgId));
            await Assert.ThrowsAsync<OrgNotFoundException>(() => audit.SearchAsync(new AuditQuery(tree.Id("acme")), CancellationToken.None));
        }
    }

    [Fact]
    public async Task The_csv_export_has_a_header_and_a_line_per_entry()
    {
        var (provider, tree) = await ArrangeWithChangesAsync();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        using var output = new MemoryStream();

        await scope.ServiceProvider.GetRequiredService<AuditService>().WriteCsvAsync(new AuditQuery(tree.Id("acme"), Action: "org.renamed"), output, CancellationToken.None);

        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,at,actor,", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), line => Assert.Contains(",org.renamed,", line, StringComparison.Ordinal));
    }

    private async Task<(ServiceProvider Provider, Tree Tree)> ArrangeWithChangesAsync()
    {
        var tree = Tree.In(database).SuperOrg("acme").Child("beta", "acme")
            .Member("ada", "acme", BuiltInRoles.OwnerId).Member("bob", "beta", BuiltInRoles.AdminId);
        var provider = new ServiceCollection().AddPortalForTests(database).BuildServiceProvider();
        await using var scope = provider.As(tree.UserId("ada"), tree.Id("acme"));
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        var gamma = await organizations.CreateChildAsync(tree.Id("acme"), "gamma", CancellationToken.None);
        await organizations.RenameAsync(tree.Id("beta"), "Beta Corp", CancellationToken.None);
        await organizations.SuspendAsync(gamma.Id, CancellationToken.None);
        await organizations.RenameAsync(tree.Id("acme"), "Acme", CancellationToken.None);
        return (provider, tree);
    }

    public void Dispose() => database.Dispose();
}
