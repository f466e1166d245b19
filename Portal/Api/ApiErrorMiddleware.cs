using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Portal.Api;

/// <summary>
/// For API paths only: a bounded request body, known exceptions turned into problem+json, and JSON without a
/// charset parameter. (Bare error statuses such as 404 and 405 get their body from UsePortalStatusCodePages.)
/// </summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, IOptions<ApiOptions> options, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!ApiPaths.IsApi(context.Request.Path))
        {
            await next(context);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = options.Value.MaxRequestBodyBytes;
        }

        context.Response.OnStarting(DropJsonCharset, context.Response);

        try
        {
            await next(context);
        }
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var problem = ApiProblems.FromException(exception);
            if (problem is null)
            {
                logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                problem = ApiProblems.Problem(StatusCodes.Status500InternalServerError, "internal_error",
                    "Something went wrong on our side; the request was not completed.");
            }

            context.Response.Clear();
            await problem.ExecuteAsync(context);
        }
    }

    /// <summary>
    /// JSON is UTF-8 by definition, so the charset parameter says nothing; and the Python SDK compares the
    /// Content-Type of POST/PUT answers with exactly "application/json" (otherwise it returns raw bytes).
    /// </summary>
    private static Task DropJsonCharset(object state)
    {
        var response = (HttpResponse)state;
        var type = response.ContentType;
        if (type is not null && type.Contains(';', StringComparison.Ordinal))
        {
            var mediaType = type[..type.IndexOf(';', StringComparison.Ordinal)].Trim();
            if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.Equals(ApiProblems.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = mediaType.ToLowerInvariant();
            }
        }

        return Task.CompletedTask;
    }
}
