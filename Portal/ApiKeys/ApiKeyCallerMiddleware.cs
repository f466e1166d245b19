using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Portal.Access;
using Portal.Api;
using Portal.Audit;

namespace Portal.ApiKeys;

/// <summary>
/// Fills the request's <see cref="TenantContext"/> from the API key (its org is the home org), so services run the
/// same way as for a portal circuit. A portal session never authenticates an API call: no cookie, no CSRF.
/// </summary>
internal sealed class ApiKeyCallerMiddleware(RequestDelegate next, ApiKeyLastUse lastUse)
{
    public async Task InvokeAsync(HttpContext context, TenantContext tenant)
    {
        if (!ApiPaths.IsApi(context.Request.Path))
        {
            await next(context);
            return;
        }

        var result = await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
        if (result.Succeeded && context.Items[ApiKeyAuthenticationHandler.SnapshotItem] is ApiKeySnapshot key)
        {
            context.User = result.Principal!;
            tenant.SetApiKey(key.Id, key.DisplayName, key.OrgId);
            await lastUse.RecordAsync(key, context.RequestAborted);
        }
        else
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity());
            tenant.SetAnonymous();
        }

        tenant.Source = AuditSource.Api;
        tenant.ClientAddress = context.Connection.RemoteIpAddress?.ToString();
        await next(context);
    }
}
