using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Portal.Access;
using Portal.Api;
using Portal.Audit;
using Portal.Data;

namespace Portal.ApiKeys;

/// <summary>
/// <c>x-assume-org: &lt;org id&gt;</c>: the request acts as that org when the key's org is a strict ancestor of it and the key
/// has the <c>act-as</c> scope. Unknown orgs and orgs outside the subtree get the same 403, so ids cannot be probed.
/// </summary>
internal sealed class AssumeOrgMiddleware(
    RequestDelegate next,
    IDbContextFactory<PortalDbContext> dbFactory,
    AssumeAuditThrottle auditThrottle)
{
    public async Task InvokeAsync(HttpContext context, TenantContext tenant, AuditWriter audit)
    {
        if (!ApiPaths.IsApi(context.Request.Path)
            || tenant.Kind != CallerKind.ApiKey
            || context.Items[ApiKeyAuthenticationHandler.SnapshotItem] is not ApiKeySnapshot key)
        {
            await next(context);
            return;
        }

        var header = AssumeOrgHeader.Parse(context.Request.Headers[AssumeOrgHeader.Name]);
        if (header.Problem is { } malformed)
        {
            await ApiProblems.WriteAsync(context, StatusCodes.Status400BadRequest, "assume_org_malformed", malformed);
            return;
        }

        if (header.OrgId is { } orgId)
        {
            if (!key.Has(ApiKeyScopes.ActAs))
            {
                await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "act_as_not_allowed",
                    $"This API key may not act on behalf of other orgs: it lacks the '{ApiKeyScopes.ActAs}' scope.");
                return;
            }

            await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
            var isDescendant = await db.OrgAncestries
                .AnyAsync(a => a.AncestorId == key.OrgId && a.DescendantId == orgId && a.Distance > 0, context.RequestAborted);
            if (!isDescendant)
            {
                await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "assume_org_forbidden",
                    "This API key cannot act as that org: it is not a descendant of the key's org, or it does not exist.");
                return;
            }

            tenant.SetActingOrg(orgId);
            if (auditThrottle.ShouldRecord(key.Id, orgId))
            {
                audit.Record(db, "api.assume", orgId, after: new { context.Request.Method, Path = context.Request.Path.Value });
                await db.SaveChangesAsync(context.RequestAborted);
            }
        }

        await next(context);
    }
}

/// <summary>The parsed x-assume-org header: absent (also when empty, as the Python SDK sends for ""), an org id, or a problem.</summary>
public readonly record struct AssumeOrgHeader(string? OrgId, string? Problem)
{
    public const string Name = "x-assume-org";
    private const int MaxLength = 64;

    public static AssumeOrgHeader Parse(StringValues values)
    {
        if (values.Count > 1)
        {
            return new(null, "Send at most one x-assume-org header, with one org id.");
        }

        var value = values.Count == 1 ? values[0]?.Trim() : null;
        if (string.IsNullOrEmpty(value))
        {
            return new(null, null);
        }

        if (value.Length > MaxLength)
        {
            return new(null, $"The x-assume-org header is too long: send an org id (a UUID), at most {MaxLength} characters.");
        }

        if (!value.All(char.IsAscii) || value.Any(char.IsControl))
        {
            return new(null, "The x-assume-org header must be plain ASCII: send an org id (a UUID).");
        }

        return Guid.TryParseExact(value, "D", out var id)
            ? new(id.ToString("D"), null)
            : new(null, "The x-assume-org header is not an org id: send a UUID such as 3f2b9c1e-8d4a-5b6c-9e7f-0a1b2c3d4e5f.");
    }
}

/// <summary>
/// Reads made while assuming an org are audited once per key and org per <see cref="ApiKeyOptions.AssumeAuditWindow"/>,
/// not per request: the trail still shows who acted as whom and when, without every GET costing a database write
/// and read traffic flooding the audit log. Changes are audited on every request by the services themselves,
/// with the key's org as home org and the assumed org as acting org.
/// </summary>
public sealed class AssumeAuditThrottle(TimeProvider clock, IOptions<ApiKeyOptions> options)
{
    private readonly ConcurrentDictionary<(string KeyId, string OrgId), DateTime> recorded = new();

    public bool ShouldRecord(string keyId, string orgId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var last = recorded.GetOrAdd((keyId, orgId), DateTime.MinValue);
        return now - last >= options.Value.AssumeAuditWindow && recorded.TryUpdate((keyId, orgId), now, last);
    }
}
