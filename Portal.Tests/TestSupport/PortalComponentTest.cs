using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Access;
using Portal.Data;

namespace Portal.Tests.TestSupport;

/// <summary>
/// bUnit with MudBlazor's services, loose JS interop, an interactive renderer and the real feature services
/// over a seeded demo database, signed in as <paramref name="email"/>.
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    // bUnit waits one second by default; on a 2-core CI machine a first PostgreSQL round trip under load can take
    // longer, and a wait that times out before the service answers is a false failure, not a finding.
    static PortalComponentTest() => DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    protected PortalComponentTest(string email = "ada@acme.test")
    {
        Database = new TestDatabase();
        using (var db = Database.CreateDbContext())
        {
            DemoSeed.SeedAsync(db, TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult();
        }

        Services.AddMudServices();
        Services.AddPortalForTests(Database);
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var user = DemoSeed.UserByEmail(email);
        Services.GetRequiredService<TenantContext>().SetUser(user.Id, user.DisplayName, DemoSeed.OrgId(user.OrgName));
    }

    protected TestDatabase Database { get; }

    protected TenantContext Tenant => Services.GetRequiredService<TenantContext>();

    /// <summary>Renders the component after a popover provider, as the layout does.</summary>
    protected IRenderedComponent<TComponent> RenderWithProviders<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>>? parameters = null)
        where TComponent : IComponent
    {
        Render<MudPopoverProvider>();
        return parameters is null ? Render<TComponent>() : Render(parameters);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Database.Dispose();
    }
}
