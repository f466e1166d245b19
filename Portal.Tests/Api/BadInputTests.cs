using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Portal.ApiKeys;
using Portal.Audit;
using Portal.Organizations;

namespace Portal.Tests.Api;

/// <summary>Malformed, oversized, empty and non-ASCII input: a clear 4xx in problem+json, nothing stored, never a 500.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(ApiHost host)
{
    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("0b6c2f1e3d4a5b6c8d7e9f0a1b2c3d4e-")]
    [InlineData("{0b6c2f1e-3d4a-5b6c-8d7e-9f0a1b2c3d4e}")]
    [InlineData("0b6c2f1e-3d4a-5b6c-8d7e-9f0a1b2c3d4e,0b6c2f1e-3d4a-5b6c-8d7e-9f0a1b2c3d4f")]
    [InlineData("' OR 1=1 --")]
    public async Task A_malformed_assume_org_header_is_a_400(string value)
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret, assumeOrg: value));

        Sdk.AssertProblem(response, body, 400, "assume_org_malformed");
    }

    [Fact]
    public async Task An_oversized_assume_org_header_is_a_400()
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret, assumeOrg: new string('a', 5000)));

        Sdk.AssertProblem(response, body, 400, "assume_org_malformed");
    }

    [Theory]
    [InlineData("x-assume-org", 400, "assume_org_malformed")]
    [InlineData("x-api-key", 401, "api_key_malformed")]
    public async Task A_header_sent_twice_is_refused(string header, int status, string code)
    {
        var value = header == "x-api-key" ? host.DemoSecret : ApiHost.OrgId("Beacon Podcasts");
        var raw = $"GET /org HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: {host.DemoSecret}\r\n" +
                  (header == "x-api-key" ? "" : $"x-assume-org: {value}\r\n") + $"{header}: {value}\r\nConnection: close\r\n\r\n";

        var (statusCode, contentType, body) = await SendRawAsync(Encoding.ASCII.GetBytes(raw));

        Assert.Equal(status, statusCode);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Values_joined_with_a_comma_on_one_line_are_refused_too()
    {
        var request = Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret, assumeOrg: ApiHost.OrgId("Beacon Podcasts"));
        request.Headers.TryAddWithoutValidation("x-assume-org", ApiHost.OrgId("Cobalt Learning"));

        var (response, body) = await host.SendAsync(request);

        Sdk.AssertProblem(response, body, 400, "assume_org_malformed");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("short")]
    [InlineData("ptl_acmedemo_DevelopmentOnlyNeverUseThisKeyInProductionX")]
    [InlineData("ptl_acmedemo_Development Only Never Use This Key In Production")]
    public async Task Empty_short_wrong_or_spaced_keys_are_a_401(string key)
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", key));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Sdk.AssertProblem(response, body, 401, key.Trim().Length == 0 ? "api_key_missing" : "api_key_invalid");
    }

    [Fact]
    public async Task An_oversized_key_is_a_401()
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", new string('k', 8000)));

        Sdk.AssertProblem(response, body, 401, "api_key_invalid");
    }

    [Fact]
    public async Task A_header_larger_than_kestrel_accepts_is_a_4xx_not_a_500()
    {
        var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/org", host.DemoSecret, assumeOrg: new string('a', 40_000)));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("x-assume-org", "assume_org_malformed", 400)]
    [InlineData("x-api-key", "api_key_invalid", 401)]
    public async Task Non_ascii_header_bytes_get_a_json_answer(string header, string code, int status)
    {
        // HttpClient refuses to send non-ASCII header values; Python's requests sends them as Latin-1.
        var key = header == "x-api-key" ? "ptl_acmedemo_Développement_Only_Never_Use_This_Key_In_Prod" : host.DemoSecret;
        var assume = header == "x-assume-org" ? "0b6c2f1e-3d4a-5b6c-8d7e-9f0a1b2c3d4é" : null;
        var raw = $"GET /org HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: python-requests/2.34.2\r\nAccept: */*\r\nx-api-key: {key}\r\n" +
                  (assume is null ? "" : $"x-assume-org: {assume}\r\n") + "x-python-sdk-version: 0.17.0\r\nConnection: close\r\n\r\n";

        var (statusCode, contentType, body) = await SendRawAsync(Encoding.Latin1.GetBytes(raw));

        Assert.Equal(status, statusCode);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    public static TheoryData<string, string, int, string> BadBodies() => new()
    {
        { "application/json", """{"name":"Unknown field org","color":"red"}""", 400, "unknown_field" },
        { "application/json", "{}", 400, "missing_field" },
        { "application/json", """{"name":null}""", 400, "invalid_json" },
        { "application/json", """{"name":42}""", 400, "invalid_json" },
        { "application/json", """{"name":"unterminated""", 400, "invalid_json" },
        { "application/json", "[]", 400, "invalid_json" },
        { "application/json", "", 400, "body_required" },
        { "application/json", """{"name":""}""", 400, "name_required" },
        { "application/json", """{"name":"tab\there"}""", 400, "name_invalid" },
        { "text/plain", """{"name":"Wrong type org"}""", 415, "unsupported_media_type" },
        { "application/x-www-form-urlencoded", "", 415, "unsupported_media_type" },
        { "application/x-www-form-urlencoded", "name=Form+org", 415, "unsupported_media_type" },
        { "application/xml", "<name>Xml org</name>", 415, "unsupported_media_type" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_a_clear_4xx_and_nothing_is_stored(string contentType, string content, int status, string code)
    {
        var orgsBefore = await host.CountAsync<Organization>();
        var auditBefore = await host.CountAsync<AuditEntry>();
        var request = Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/children", host.DemoSecret);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var (response, body) = await host.SendAsync(request);

        Sdk.AssertProblem(response, body, status, code);
        Assert.Equal(orgsBefore, await host.CountAsync<Organization>());
        Assert.Equal(auditBefore, await host.CountAsync<AuditEntry>());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_and_nothing_is_stored()
    {
        var keysBefore = await host.CountAsync<ApiKey>();
        var request = Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/api-keys", host.DemoSecret,
            json: new { name = new string('x', 2 * 1024 * 1024), scopes = Sdk.OrgReadScope });
        // As curl does for large bodies: the server refuses on the announced length before a byte is sent. Without it the
        // client may still be writing when the server answers and closes, and reads a broken pipe instead of the 413.
        request.Headers.ExpectContinue = true;

        var (response, body) = await host.SendAsync(request);

        Sdk.AssertProblem(response, body, 413, "payload_too_large");
        Assert.Equal(keysBefore, await host.CountAsync<ApiKey>());
    }

    [Theory]
    [InlineData("""{"name":"k","scopes":[]}""", "scopes_required")]
    [InlineData("""{"name":"k","scopes":["org:read","root"]}""", "scope_unknown")]
    [InlineData("""{"name":"k","scopes":["org:read"],"expiresAt":"2001-01-01T00:00:00Z"}""", "expiry_in_past")]
    [InlineData("""{"name":"k","scopes":["org:read"],"expiresAt":"tomorrow"}""", "invalid_json")]
    [InlineData("""{"name":"k","scopes":"org:read"}""", "invalid_json")]
    [InlineData("""{"name":"k","scopes":["org:read"],"secret":"mine-mine-mine-mine-mine-mine-mine-mine"}""", "unknown_field")]
    public async Task Bad_key_requests_are_refused_and_nothing_is_stored(string content, string code)
    {
        var keysBefore = await host.CountAsync<ApiKey>();
        var request = Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/api-keys", host.DemoSecret);
        request.Content = new StringContent(content, Encoding.UTF8, "application/json");

        var (response, body) = await host.SendAsync(request);

        Sdk.AssertProblem(response, body, 400, code);
        Assert.Equal(keysBefore, await host.CountAsync<ApiKey>());
    }

    [Theory]
    [InlineData("/api/v1/orgs/not-an-id")]
    [InlineData("/api/v1/orgs/%01%02")]
    [InlineData("/api/v1/orgs/..%2F..%2Forg")]
    [InlineData("/api/v1/orgs/%C3%A9t%C3%A9")]
    public async Task Odd_org_ids_in_paths_are_a_404(string path)
    {
        var (response, body) = await host.SendAsync(Sdk.Python(HttpMethod.Get, path, host.DemoSecret));

        Sdk.AssertProblem(response, body, 404, "org_not_found");
    }

    [Fact]
    public async Task A_null_byte_in_the_path_is_refused_by_kestrel_with_a_400()
    {
        // Kestrel answers before any middleware runs, so this one 400 has no body.
        var (response, _) = await host.SendAsync(Sdk.Python(HttpMethod.Get, "/api/v1/orgs/%00", host.DemoSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Revoking_or_rotating_an_unknown_key_is_a_404()
    {
        var (revoke, revokeBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/api-keys/nope/revoke", host.DemoSecret, json: new { }));
        var (rotate, rotateBody) = await host.SendAsync(Sdk.Python(HttpMethod.Post, $"/api/v1/orgs/{ApiHost.Acme}/api-keys/nope/rotate", host.DemoSecret, json: new { }));

        Sdk.AssertProblem(revoke, revokeBody, 404, "api_key_not_found");
        Sdk.AssertProblem(rotate, rotateBody, 404, "api_key_not_found");
    }

    private async Task<(int Status, string? ContentType, string Body)> SendRawAsync(byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, host.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync();
        var head = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var contentType = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
        var body = response[(head.Length + 4)..];
        // Connection: close without Content-Length means the body is chunked.
        if (lines.Any(l => l.StartsWith("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }

        return (status, contentType, body);
    }

    private static string Dechunk(string chunked)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[position..lineEnd], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(chunked, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
