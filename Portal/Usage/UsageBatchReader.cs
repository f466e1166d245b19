using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Usage;

/// <summary>
/// Reads the body of <c>POST /usage/events</c>. A batch is up to 1,000 events: the body is read whole, and the plain
/// shape (<c>{"events":[{...}]}</c> with the documented camelCase fields, each at most once, of their JSON types) is
/// read by hand in one pass. Anything else (other casing, numbers in strings, unknown fields, bad JSON) is read by the
/// API's serializer as any other body is, so it is accepted or refused (with its problem+json) exactly as before; a
/// test holds the two readings equal.
/// </summary>
public static class UsageBatchReader
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <returns>Null for an empty body or a JSON null.</returns>
    public static async Task<UsageBatchRequest?> ReadAsync(HttpRequest request, JsonSerializerOptions options, CancellationToken ct)
    {
        if (request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return null;
        }

        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException($"Expected a supported JSON media type but got \"{request.ContentType}\".", StatusCodes.Status415UnsupportedMediaType);
        }

        var charset = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType).Charset.Value?.Trim('"');
        if (charset is { Length: > 0 } && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            // Another encoding: the framework's reader transcodes it, as the endpoint's binding did.
            return await request.ReadFromJsonAsync<UsageBatchRequest>(options, ct);
        }

        var (buffer, length) = await ReadWholeAsync(request.BodyReader, ct);
        try
        {
            var body = buffer.AsSpan(0, length);
            if (body.StartsWith(Utf8Bom))
            {
                body = body[Utf8Bom.Length..];
            }

            if (body.IsEmpty)
            {
                return null;
            }

            return TryRead(body, out var batch) ? batch : JsonSerializer.Deserialize<UsageBatchRequest>(body, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The plain shape, read by hand; false sends the body to the serializer.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> json, out UsageBatchRequest? batch)
    {
        batch = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            List<UsageEventInput>? events = null;
            var seenEvents = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (seenEvents || !reader.ValueTextEquals("events"u8) || !reader.Read())
                {
                    return false;
                }

                seenEvents = true;
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                events = [];
                var repeated = new RepeatedValues();
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    if (!TryReadEvent(ref reader, repeated, out var input))
                    {
                        return false;
                    }

                    events.Add(input);
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }

            batch = new UsageBatchRequest(events);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not text (bad UTF-8, a lone surrogate): the serializer says where.
            return false;
        }
    }

    private static bool TryReadEvent(ref Utf8JsonReader reader, RepeatedValues repeated, out UsageEventInput input)
    {
        input = null!;
        string? orgId = null, activity = null, eventId = null;
        decimal? credits = null;
        DateTime? occurredAt = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("orgId"u8) ? 1
                : reader.ValueTextEquals("activity"u8) ? 2
                : reader.ValueTextEquals("credits"u8) ? 4
                : reader.ValueTextEquals("occurredAt"u8) ? 8
                : reader.ValueTextEquals("eventId"u8) ? 16
                : 0;
            if (field == 0 || (seen & field) != 0 || !reader.Read())
            {
                return false;
            }

            seen |= field;
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            switch (field)
            {
                case 4 when reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var number):
                    credits = number;
                    break;
                case 8 when reader.TokenType == JsonTokenType.String && reader.TryGetDateTime(out var at):
                    occurredAt = at;
                    break;
                case 1 when reader.TokenType == JsonTokenType.String:
                    orgId = repeated.Get(ref reader);
                    break;
                case 2 when reader.TokenType == JsonTokenType.String:
                    activity = repeated.Get(ref reader);
                    break;
                case 16 when reader.TokenType == JsonTokenType.String:
                    eventId = reader.GetString();
                    break;
                default:
                    return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        input = new UsageEventInput(orgId, activity, credits, occurredAt, eventId);
        return true;
    }

    /// <summary>
    /// A batch names few orgs and activities a thousand times: each distinct one becomes a string once. Only a few are
    /// remembered; the rest are read as usual.
    /// </summary>
    private sealed class RepeatedValues
    {
        private const int Capacity = 16;
        private readonly List<(byte[] Utf8, string Text)> seen = new(Capacity);

        public string Get(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence)
            {
                return reader.GetString()!;
            }

            var utf8 = reader.ValueSpan;
            foreach (var (bytes, text) in seen)
            {
                if (utf8.SequenceEqual(bytes))
                {
                    return text;
                }
            }

            var value = reader.GetString()!;
            if (seen.Count < Capacity)
            {
                seen.Add((utf8.ToArray(), value));
            }

            return value;
        }
    }

    /// <summary>The body in a pooled array (Kestrel holds it to the endpoint's size limit while it is read).</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadWholeAsync(PipeReader body, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(ct);
                foreach (var segment in read.Buffer)
                {
                    if (length + segment.Length > buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + segment.Length));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    segment.Span.CopyTo(buffer.AsSpan(length));
                    length += segment.Length;
                }

                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return (buffer, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
