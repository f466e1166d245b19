using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Portal.ApiKeys;

namespace Portal.Api;

/// <summary>
/// API paths answer 401/403 with a problem+json body saying what was wrong (which key problem, which scope is
/// missing) instead of a challenge that would redirect to a sign-in page.
/// </summary>
internal sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!ApiPaths.IsApi(context.Request.Path) || authorizeResult.Succeeded)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged || context.User.Identity?.IsAuthenticated != true)
        {
            var failure = context.Items[ApiKeyAuthenticationHandler.FailureItem] as ApiKeyFailure? ?? ApiKeyFailure.Missing;
            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"x-api-key\", Bearer";
            await ApiProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, failure.Code, failure.Message);
            return;
        }

        var missingScopes = authorizeResult.AuthorizationFailure?.FailedRequirements
            .OfType<ClaimsAuthorizationRequirement>()
            .Where(r => r.ClaimType == ApiKeyClaims.Scope)
            .SelectMany(r => r.AllowedValues ?? [])
            .ToList() ?? [];
        if (missingScopes.Count > 0)
        {
            await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "insufficient_scope",
                $"This API key lacks the scope '{string.Join("', '", missingScopes)}' needed here.",
                new Dictionary<string, object?> { ["requiredScopes"] = missingScopes });
            return;
        }

        await ApiProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden", "This API key may not do that.");
    }
}
