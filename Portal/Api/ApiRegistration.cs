using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portal.ApiKeys;

namespace Portal.Api;

public static class ApiRegistration
{
    /// <summary>The REST API's plumbing: JSON rules, errors, rate limits, the OpenAPI document; and API-key authentication.</summary>
    public static IServiceCollection AddPortalApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json => ConfigureJson(json.SerializerOptions));
        // Binding failures throw, so the error middleware can explain them in problem+json (the default is an empty 400 outside Development).
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // Kestrel would drop a request with non-ASCII header bytes with an empty 400; read them as Latin-1 so the API can answer in JSON.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        services.AddApiRateLimiting();
        services.AddApiReference();
        return services;
    }

    /// <summary>The API's JSON: bad input is refused, never half-understood (unknown fields, missing required fields and nulls where none belong).</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
    }

    /// <summary>Goes right after UseAuthentication: API paths get JSON errors, their key, their rate limit and their acting org.</summary>
    public static IApplicationBuilder UsePortalApi(this IApplicationBuilder app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<ApiKeyCallerMiddleware>();
        app.UseRateLimiter();
        app.UseMiddleware<AssumeOrgMiddleware>();
        return app;
    }
}
