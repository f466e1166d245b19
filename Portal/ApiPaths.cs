using Microsoft.AspNetCore.Diagnostics;

namespace Portal;

/// <summary>
/// The one place that says which paths belong to the REST API. API callers never get a sign-in page or an HTML
/// error page: they get a status code and an application/problem+json body.
/// </summary>
public static class ApiPaths
{
    // "/usage" itself is the usage dashboard page; only its "/usage/events" ingestion path is API.
    private static readonly string[] Prefixes = ["/api", "/org", "/secrets", "/decision", "/openapi", "/usage/events"];

    public static bool IsApi(PathString path) =>
        Prefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>HTML pages get the not-found page; API paths get a problem body for any bare error status.</summary>
    public static void UsePortalStatusCodePages(this WebApplication app)
    {
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use(async (context, next) =>
        {
            if (!IsApi(context.Request.Path))
            {
                await next(context);
                return;
            }

            if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            {
                statusCodePages.Enabled = false;
            }

            await next(context);
            if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null)
            {
                await WriteProblemAsync(context, context.Response.StatusCode);
            }
        });
    }

    /// <summary>The same problem body as every other API error (with its stable code and message).</summary>
    public static Task WriteProblemAsync(HttpContext context, int statusCode, string? detail = null) =>
        Api.ApiProblems.ForStatus(statusCode, detail).ExecuteAsync(context);
}
