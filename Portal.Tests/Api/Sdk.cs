using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Api;

/// <summary>
/// Requests exactly as the official api.audio SDKs put them on the wire (research: Python apiaudio 0.17.0 over
/// requests 2.34, JavaScript apiaudio 0.9.3 over axios 0.27.2).
/// </summary>
public static class Sdk
{
    public const string PythonVersion = "0.17.0";
    public const string JsVersion = "0.9.3";
    public static readonly string[] OrgReadScope = ["org:read"];

    /// <summary>Python: no trailing slash, x-api-key always, x-assume-org only when set (an empty string is sent as is).</summary>
    public static HttpRequestMessage Python(HttpMethod method, string path, string apiKey, string? assumeOrg = null, object? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", "python-requests/2.34.2");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, deflate");
        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        request.Headers.TryAddWithoutValidation("Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        request.Headers.TryAddWithoutValidation("x-python-sdk-version", PythonVersion);
        if (assumeOrg is not null)
        {
            request.Headers.TryAddWithoutValidation("x-assume-org", assumeOrg);
        }

        if (json is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(json), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    /// <summary>JavaScript: x-api-key, or Authorization: Bearer when configured with a bearer only; GETs get a trailing slash.</summary>
    public static HttpRequestMessage Js(HttpMethod method, string path, string? apiKey = null, string? bearer = null, string? assumeOrg = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/plain, */*");
        request.Headers.TryAddWithoutValidation("x-js-sdk-version", JsVersion);
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        }
        else if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        if (!string.IsNullOrEmpty(assumeOrg))
        {
            request.Headers.TryAddWithoutValidation("x-assume-org", assumeOrg);
        }

        request.Headers.TryAddWithoutValidation("User-Agent", "axios/0.27.2");
        request.Headers.TryAddWithoutValidation("Connection", "keep-alive");
        return request;
    }

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(this ApiHost host, HttpRequestMessage request)
    {
        using var client = host.Client();
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, body);
    }

    /// <summary>What both SDKs need from an error: a JSON object that is not empty (Python raises its repr; JavaScript rejects with it).</summary>
    public static void AssertProblem(HttpResponseMessage response, JsonElement body, int status, string code)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        Assert.Equal(status, body.GetProperty("status").GetInt32());
    }
}
