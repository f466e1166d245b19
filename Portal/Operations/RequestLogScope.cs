using System.Collections;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Portal.Access;

namespace Portal.Operations;

/// <summary>
/// The fields every log line of a request or a circuit carries. Read when a line is written, so lines logged after
/// the caller is known carry the org and the user too.
/// </summary>
public sealed class RequestLogState(string requestId, TenantContext? tenant, string? circuitId = null) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public KeyValuePair<string, object?> this[int index] => Fields()[index];

    public int Count => Fields().Count;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Fields()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        string.Join(" ", Fields().Where(f => f.Value is not null).Select(f => $"{f.Key}={f.Value}"));

    private List<KeyValuePair<string, object?>> Fields()
    {
        var fields = new List<KeyValuePair<string, object?>>(6)
        {
            new("RequestId", requestId),
            new("OrgId", tenant?.ScopeOrgId),
            new("HomeOrgId", tenant?.HomeOrgId),
            new("UserId", tenant?.UserId),
            new("ApiKeyId", tenant?.ApiKeyId),
        };
        if (circuitId is not null)
        {
            fields.Add(new("CircuitId", circuitId));
        }

        return fields;
    }
}

/// <summary>Opens the log scope of each HTTP request.</summary>
public sealed class RequestLogScopeMiddleware(RequestDelegate next, ILogger<RequestLogScopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, TenantContext tenant)
    {
        using (logger.BeginScope(new RequestLogState(context.TraceIdentifier, tenant)))
        {
            await next(context);
        }
    }
}

/// <summary>Opens the same scope around everything a Blazor circuit does for its user (events, renders, JS calls).</summary>
public sealed class CircuitLogScope(TenantContext tenant, ILogger<CircuitLogScope> logger) : CircuitHandler
{
    private string circuitId = "";

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        circuitId = circuit.Id;
        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            using (logger.BeginScope(new RequestLogState(System.Diagnostics.Activity.Current?.TraceId.ToString() ?? circuitId, tenant, circuitId)))
            {
                await next(context);
            }
        };
}
