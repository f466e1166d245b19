using Portal.Operations;

namespace Portal.Organizations;

/// <summary>
/// Tells every <see cref="IOrgChangeListener"/> of every instance that an org's status or place in the tree changed.
/// Created when the app starts (as a hosted service), so an instance hears of changes before it first uses a cache.
/// </summary>
public sealed class OrgChanges : IHostedService
{
    public const string InvalidationTopic = "org-changes";
    private readonly ICacheInvalidationBus bus;

    public OrgChanges(ICacheInvalidationBus bus, IServiceProvider services)
    {
        this.bus = bus;
        // Listeners are resolved per message: they may depend on services that depend on this one.
        bus.Subscribe(InvalidationTopic, orgIds =>
        {
            var listeners = services.GetServices<IOrgChangeListener>().ToList();
            foreach (var orgId in orgIds)
            {
                listeners.ForEach(listener => listener.OrgStatusChanged(orgId));
            }
        });
    }

    public void Announce(string orgId) => bus.Publish(InvalidationTopic, [orgId]);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
