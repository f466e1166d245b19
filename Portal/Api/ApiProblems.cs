using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Portal.Access;

namespace Portal.Api;

/// <summary>
/// Every API error is <c>application/problem+json</c> with a stable machine-readable <c>code</c>, and a <c>message</c>
/// beside <c>detail</c> because the api.audio SDKs hand the error body itself to the caller, who reads <c>message</c>.
/// </summary>
public static class ApiProblems
{
    public const string ContentType = "application/problem+json";

    public static ProblemHttpResult Problem(int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        problem.Extensions["message"] = detail;
        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[name] = value;
        }

        return TypedResults.Problem(problem);
    }

    public static Task WriteAsync(HttpContext context, int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        Problem(status, code, detail, extensions).ExecuteAsync(context);

    /// <summary>The answer for a known exception, or null for a bug.</summary>
    public static ProblemHttpResult? FromException(Exception exception) => exception switch
    {
        OrgNotFoundException notFound => Problem(StatusCodes.Status404NotFound, "org_not_found", notFound.Message),
        AccessDeniedException denied => Problem(StatusCodes.Status403Forbidden, "permission_denied", denied.Message,
            new Dictionary<string, object?> { ["permission"] = denied.Permission.ToString() }),
        RuleViolationException rule => Problem(StatusOf(rule), rule.Code, rule.Message,
            rule.Field is null ? null : new Dictionary<string, object?> { ["field"] = rule.Field }),
        BadHttpRequestException badRequest => FromBadRequest(badRequest),
        JsonException json => FromJson(json),
        DbUpdateConcurrencyException => Problem(StatusCodes.Status409Conflict, "concurrent_change",
            "Someone else changed this at the same time; read it again and retry."),
        _ => null,
    };

    /// <summary>
    /// 404 for codes ending in <c>_not_found</c>; 409 when the request clashes with the current state (codes ending
    /// in <c>_taken</c> or starting with <c>already_</c>); 400 when one field is wrong; 422 for any other broken rule.
    /// </summary>
    public static int StatusOf(RuleViolationException rule)
    {
        if (rule.Code.EndsWith("_not_found", StringComparison.Ordinal))
        {
            return StatusCodes.Status404NotFound;
        }

        if (rule.Code.EndsWith("_taken", StringComparison.Ordinal) || rule.Code.StartsWith("already_", StringComparison.Ordinal))
        {
            return StatusCodes.Status409Conflict;
        }

        return rule.Field is null ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest;
    }

    /// <summary>A stable code and a plain message for an error status that no endpoint explained.</summary>
    public static ProblemHttpResult ForStatus(int status, string? detail = null)
    {
        var (code, message) = status switch
        {
            StatusCodes.Status400BadRequest => ("bad_request", "The request is malformed."),
            StatusCodes.Status401Unauthorized => ("unauthorized", "Send an API key in the x-api-key header."),
            StatusCodes.Status403Forbidden => ("forbidden", "This API key may not do that."),
            StatusCodes.Status404NotFound => ("not_found", "There is no API resource at this path."),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", "This resource does not support that HTTP method."),
            StatusCodes.Status413PayloadTooLarge => ("payload_too_large", "The request body is too large."),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "Send the body as application/json."),
            StatusCodes.Status429TooManyRequests => ("rate_limited", "Too many requests for this API key; retry later."),
            _ => (status >= 500 ? "internal_error" : "http_" + status, ReasonPhrases.GetReasonPhrase(status)),
        };
        return Problem(status, code, detail ?? message);
    }

    private static ProblemHttpResult FromBadRequest(BadHttpRequestException exception)
    {
        var status = exception.StatusCode;
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(status, "payload_too_large", exception.Message);
        }

        if (status == StatusCodes.Status415UnsupportedMediaType)
        {
            return Problem(status, "unsupported_media_type", "Send the body as application/json.");
        }

        if (exception.InnerException is JsonException json)
        {
            return FromJson(json);
        }

        if (exception.Message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status400BadRequest, "body_required", "Send a JSON body with this request.");
        }

        return Problem(status is >= 400 and < 500 ? status : StatusCodes.Status400BadRequest, "bad_request", exception.Message);
    }

    /// <summary>Says where the body went wrong without naming our .NET types.</summary>
    private static ProblemHttpResult FromJson(JsonException json)
    {
        var at = string.IsNullOrEmpty(json.Path) ? "" : $" at {json.Path}";
        const string missingMarker = "missing required properties including: ";
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status400BadRequest, "unknown_field", $"The body has a field this endpoint does not accept{at}.");
        }

        var missing = json.Message.IndexOf(missingMarker, StringComparison.Ordinal);
        if (missing >= 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "missing_field",
                $"The body lacks required fields: {json.Message[(missing + missingMarker.Length)..].TrimEnd('.')}.");
        }

        return Problem(StatusCodes.Status400BadRequest, "invalid_json",
            $"The body is not valid JSON for this request{at} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).");
    }
}
