using System.Net;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Portal.Data;

namespace Portal.Operations;

public sealed class OperationsOptions
{
    public const string Section = "Operations";

    /// <summary>How long a stopping instance waits for requests and ingestion batches in flight.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Behind a reverse proxy: which proxies may tell the app the client's address and the original scheme and host.
/// Off by default; on, only the listed proxies (or loopback when none is listed) are believed.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    public bool Enabled { get; set; }
    public List<string> KnownProxies { get; set; } = [];
    public List<string> KnownNetworks { get; set; } = [];
    public int? ForwardLimit { get; set; } = 1;
}

/// <summary>Running several instances in production: health, logs, telemetry, shutdown, proxies, cache invalidation.</summary>
public static class OperationsRegistration
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddPortalOperations(this IServiceCollection services, IConfiguration configuration)
    {
        var operations = configuration.GetSection(OperationsOptions.Section).Get<OperationsOptions>() ?? new OperationsOptions();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = operations.ShutdownTimeout);
        services.AddSingleton<InFlightWork>();
        services.AddHostedService<InFlightWorkDrain>();

        var provider = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        if (provider == DatabaseProvider.Postgres)
        {
            services.AddSingleton<PostgresCacheInvalidationBus>();
            services.AddSingleton<ICacheInvalidationBus>(sp => sp.GetRequiredService<PostgresCacheInvalidationBus>());
            services.AddHostedService(sp => sp.GetRequiredService<PostgresCacheInvalidationBus>());
        }
        else
        {
            services.AddSingleton<ICacheInvalidationBus, InProcessCacheInvalidationBus>();
        }

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]);
        services.AddScoped<CircuitHandler, CircuitLogScope>();
        services.AddPortalTelemetry(configuration);

        var forwarded = configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.ForwardLimit = forwarded.ForwardLimit;
            foreach (var proxy in forwarded.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in forwarded.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline: the client's real address and scheme, then a log scope for the request.</summary>
    public static void UsePortalOperations(this WebApplication app)
    {
        if (app.Configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>()?.Enabled == true)
        {
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<RequestLogScopeMiddleware>();
    }

    /// <summary>Liveness answers while the process runs; readiness also needs the database.</summary>
    public static void MapPortalHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableHttpMetrics();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).AllowAnonymous().DisableHttpMetrics();
    }
}
