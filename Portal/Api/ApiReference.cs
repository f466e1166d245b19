using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.ApiKeys;
using Scalar.AspNetCore;

namespace Portal.Api;

/// <summary>The OpenAPI document (/openapi/v1.json) and the interactive reference page (/api/reference).</summary>
public static class ApiReference
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/api/reference";
    private const string ApiKeyScheme = "ApiKey";
    private const string BearerScheme = "Bearer";

    internal static IServiceCollection AddApiReference(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath is { } path && ApiPaths.IsApi("/" + path);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Portal API",
                    Version = "v1",
                    Description =
                        "Organizations, API keys and (soon) features, usage and billing of super organizations. " +
                        "Authenticate with `x-api-key: <key>` or `Authorization: Bearer <key>`; act on behalf of a child org with " +
                        "`x-assume-org: <org id>` (needs the `act-as` scope). `GET /org`, `GET /org/child_orgs` and `GET /secrets` " +
                        "are the resources of the api.audio SDKs. Errors are `application/problem+json` with a stable `code`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthenticationHandler.ApiKeyHeader,
                    Description = "An API key created on the org's API keys page.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The same API key as a bearer token.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
                {
                    return Task.CompletedTask;
                }

                var document = context.Document;
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = AssumeOrgHeader.Name,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Act as this descendant org (its id). Needs the `act-as` scope. Empty means not assuming.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
                });
                var scopes = metadata.OfType<AuthorizeAttribute>().Select(a => a.Policy).OfType<string>()
                    .Select(ApiKeyScopes.FromPolicy).OfType<string>().ToList();
                if (scopes.Count > 0)
                {
                    operation.Description = $"Scope: `{string.Join("`, `", scopes)}`. {operation.Description}".TrimEnd();
                }

                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        // Public, like any API reference: it describes the API, it grants nothing.
        app.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal)).AllowAnonymous();
        app.MapScalarApiReference(PagePath, options =>
        {
            options
                .WithTitle("Portal API reference")
                .WithOpenApiRoutePattern(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal))
                .AddPreferredSecuritySchemes(ApiKeyScheme);
            // Served from the app itself; nothing on the page calls out to third-party services.
            options.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            options.Telemetry = false;
            options.Agent = new ScalarAgentOptions { Disabled = true };
        }).AllowAnonymous();
        return app;
    }
}
