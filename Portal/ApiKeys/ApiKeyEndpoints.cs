using Portal.Api;
using Portal.Organizations;

namespace Portal.ApiKeys;

/// <summary>How endpoints declare what a key needs: a scope, and for changes an org that is not suspended.</summary>
public static class ApiKeyEndpoints
{
    public const string AuthenticatedPolicy = "api-key";

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(AuthenticatedPolicy);

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(ApiKeyScopes.Policy(scope));

    /// <summary>
    /// A suspended org's keys may read but not change anything (AccessService enforces it too; this says why).
    /// A closed org's keys are refused at authentication.
    /// </summary>
    public static RouteHandlerBuilder RequireScopeToChange(this RouteHandlerBuilder builder, string scope) =>
        builder.RequireScope(scope).AddEndpointFilter(async (context, next) =>
            context.HttpContext.Items[ApiKeyAuthenticationHandler.SnapshotItem] is ApiKeySnapshot { OrgStatus: OrgStatus.Suspended }
                ? ApiProblems.Problem(StatusCodes.Status403Forbidden, "org_suspended",
                    "The org that owns this API key is suspended: its keys may read but not change anything.")
                : await next(context));
}
