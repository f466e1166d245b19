using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Portal.Api;
using Portal.ApiKeys;

namespace Portal.Entitlements;

/// <summary>
/// The gateway asks <c>POST /decision</c> before every call it serves, so the common case does not go through the
/// general pipeline (cookie and OpenID Connect handlers, claims, authorization policies, rate limits, endpoint
/// binding). It answers only a request the general path would answer 200: a valid gateway key with the decision scope
/// in the header, a JSON body of at most <see cref="MaxBodyBytes"/> in the plain shape it reads itself, that validates.
/// Anything else, and any failure, goes on to the general path with the body put back, which answers it (401, 403,
/// problem+json) as for any other endpoint. Both paths share <see cref="DecisionAnswers"/>; a test holds their answers
/// equal byte for byte.
/// </summary>
public sealed class DecisionFastPath
{
    public const int MaxBodyBytes = 4096;
    private readonly RequestDelegate next;
    private readonly ApiKeyCache keys;
    private readonly ApiKeyLastUse lastUse;
    private readonly DecisionAnswers answers;
    private readonly TimeProvider clock;
    private readonly Operations.PortalTelemetry telemetry;

    public DecisionFastPath(
        RequestDelegate next, ApiKeyCache keys, ApiKeyLastUse lastUse, DecisionAnswers answers, TimeProvider clock, Operations.PortalTelemetry telemetry)
    {
        this.telemetry = telemetry;
        this.next = next;
        this.keys = keys;
        this.lastUse = lastUse;
        this.answers = answers;
        this.clock = clock;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals(DecisionApi.Path, StringComparison.OrdinalIgnoreCase)
            || request.ContentLength is not (> 0 and <= MaxBodyBytes) || !IsJson(request.ContentType)
            || request.Headers.ContainsKey(AssumeOrgHeader.Name))
        {
            await next(context);
            return;
        }

        if (!ApiKeyAuthenticationHandler.TryReadPresentedKey(request.Headers, out var presented) || presented is null
            || !ApiKeySecrets.IsWellFormed(presented))
        {
            await next(context);
            return;
        }

        var ct = context.RequestAborted;
        var secretHashes = ConnectionSecretHashes.Of(context);
        var gateway = await FindGatewayAsync(presented, secretHashes, ct);
        if (gateway is null)
        {
            await next(context);
            return;
        }

        // Kestrel holds the body to its announced length, at most MaxBodyBytes.
        var body = await ReadBodyAsync(request.BodyReader, ct);
        DecisionResponse? answer = null;
        try
        {
            if (TryReadRequest(body, out var decisionRequest))
            {
                answer = (await answers.AnswerAsync(decisionRequest, gateway.OrgId, secretHashes, ct)).Answer;
                if (answer is not null)
                {
                    await lastUse.RecordAsync(gateway, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // Whatever failed (a database away...), the general path answers it, with its error handling.
        catch (Exception)
#pragma warning restore CA1031
        {
            answer = null;
        }

        if (answer is null)
        {
            request.Body = new MemoryStream(body, writable: false);
            await next(context);
            return;
        }

        telemetry.DecisionAnswered(answer.Allowed, fastPath: true);
        WriteResponse(context.Response, answer);
        await context.Response.BodyWriter.FlushAsync(ct);
    }

    /// <summary>The presented key when it may ask for decisions now; null sends the request the general way.</summary>
    private async Task<ApiKeySnapshot?> FindGatewayAsync(string presented, ConnectionSecretHashes? secretHashes, CancellationToken ct)
    {
        try
        {
            var key = await keys.FindAsync(secretHashes?.HashOf(presented) ?? ApiKeySecrets.Hash(presented), ct);
            return ApiKeyAuthenticationHandler.Check(key, clock.GetUtcNow().UtcDateTime) is null && key!.Has(ApiKeyScopes.Decision) ? key : null;
        }
#pragma warning disable CA1031 // A key that cannot be looked up now is the general path's to explain (problem+json).
        catch (Exception) when (!ct.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the plain request shape: one object of the known camelCase properties, each at most once, strings (or null)
    /// and a whole credits number (or null). The general path binds more (other casing, numbers in strings) and explains
    /// what it cannot: anything outside the plain shape returns false and goes there.
    /// </summary>
    internal static bool TryReadRequest(ReadOnlySpan<byte> json, out DecisionRequest request)
    {
        request = new DecisionRequest();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 2 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? apiKey = null, keyId = null, assumeOrg = null, item = null, activity = null;
        long? credits = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("apiKey"u8) ? 1
                : reader.ValueTextEquals("keyId"u8) ? 2
                : reader.ValueTextEquals("assumeOrg"u8) ? 4
                : reader.ValueTextEquals("item"u8) ? 8
                : reader.ValueTextEquals("activity"u8) ? 16
                : reader.ValueTextEquals("credits"u8) ? 32
                : 0;
            if (property == 0 || (seen & property) != 0 || !reader.Read())
            {
                return false;
            }

            seen |= property;
            if (property == 32)
            {
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
                {
                    credits = number;
                    continue;
                }

                if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }

                continue;
            }

            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
            {
                return false;
            }

            var value = reader.GetString();
            switch (property)
            {
                case 1: apiKey = value; break;
                case 2: keyId = value; break;
                case 4: assumeOrg = value; break;
                case 8: item = value; break;
                default: activity = value; break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false;
        }

        request = new DecisionRequest(apiKey, keyId, assumeOrg, item, activity, credits);
        return true;
    }

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? responseWriter;

    /// <summary>Sets the length (so the answer is not chunked) and copies the answer into the response pipe.</summary>
    private static void WriteResponse(HttpResponse response, DecisionResponse answer)
    {
        var json = WriteJson(answer);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        response.BodyWriter.Write(json);
    }

    /// <summary>The answer as the general path writes it (the API's JSON options: camelCase, nulls written).</summary>
    private static ReadOnlySpan<byte> WriteJson(DecisionResponse answer)
    {
        // One writer per thread, used without awaiting: nothing else can run on it in between.
        var (buffer, writer) = responseWriter ??= (new ArrayBufferWriter<byte>(256), new Utf8JsonWriter(Stream.Null));
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteBoolean("allowed"u8, answer.Allowed);
        writer.WriteString("reason"u8, answer.Reason);
        writer.WriteString("orgId"u8, answer.OrgId);
        writer.WriteString("atOrgId"u8, answer.AtOrgId);
        writer.WriteString("keyId"u8, answer.KeyId);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan;
    }

    // The content types the general path binds (application/json, with or without parameters); others go there.
    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == "application/json".Length || contentType["application/json".Length] is ';' or ' ');

    private static async Task<byte[]> ReadBodyAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            if (read.IsCompleted)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
