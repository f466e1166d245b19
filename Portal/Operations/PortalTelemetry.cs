using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Portal.Operations;

/// <summary>The portal's own traces and metrics, beside ASP.NET Core's, HttpClient's, the runtime's and Npgsql's.</summary>
public sealed class PortalTelemetry : IDisposable
{
    public const string Name = "Portal";

    public static readonly ActivitySource Traces = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> usageEvents;
    private readonly Histogram<double> batchDuration;
    private readonly Counter<long> decisions;

    public PortalTelemetry(IMeterFactory meters)
    {
        meter = meters.Create(Name);
        usageEvents = meter.CreateCounter<long>("portal.usage.events", "{event}", "Usage events received, by outcome (accepted, duplicate, rejected).");
        batchDuration = meter.CreateHistogram<double>("portal.usage.batch.duration", "s", "Time to validate and store one batch of usage events.");
        decisions = meter.CreateCounter<long>("portal.decisions", "{decision}", "Gateway decisions answered, by outcome (allowed or not) and path (fast or general).");
    }

    public void DecisionAnswered(bool allowed, bool fastPath) =>
        decisions.Add(1, new KeyValuePair<string, object?>("allowed", allowed), new KeyValuePair<string, object?>("path", fastPath ? "fast" : "general"));

    public void UsageBatchStored(int accepted, int duplicates, int rejected, TimeSpan duration)
    {
        usageEvents.Add(accepted, new KeyValuePair<string, object?>("outcome", "accepted"));
        usageEvents.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        usageEvents.Add(rejected, new KeyValuePair<string, object?>("outcome", "rejected"));
        batchDuration.Record(duration.TotalSeconds);
    }

    public void Dispose() => meter.Dispose();
}

public static class TelemetryRegistration
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Metrics and traces go out over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and nowhere otherwise.</summary>
    public static IServiceCollection AddPortalTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PortalTelemetry>();
        if (string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: configuration["OTEL_SERVICE_NAME"] ?? "portal",
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(PortalTelemetry.Name, "Npgsql", "Microsoft.EntityFrameworkCore"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddSource(PortalTelemetry.Name, "Npgsql"))
            .UseOtlpExporter();
        return services;
    }
}
