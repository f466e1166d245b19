using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Portal.Usage;

/// <summary>
/// 200 with a batch's outcome, written field by field into the response as the API's serializer would write a
/// <see cref="UsageBatchResponse"/> (a test holds them equal): an answer lists up to 1,000 events, and building a
/// record for each and serializing them by reflection cost a tenth of the whole request.
/// </summary>
public sealed class UsageBatchAnswer(UsageBatchResult result) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    private const int EventsPerFlush = 4096;
    private static readonly string[] StatusNames = Enum.GetNames<UsageEventOutcome>().Select(n => n.ToLowerInvariant()).ToArray();

    public UsageBatchResult Result => result;

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var encoder = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.Encoder;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = encoder, SkipValidation = true });
        WriteStart(writer, result);
        for (var i = 0; i < result.Events.Count; i++)
        {
            WriteEvent(writer, result.Events[i]);
            if (i % EventsPerFlush == EventsPerFlush - 1)
            {
                await writer.FlushAsync(httpContext.RequestAborted);
            }
        }

        WriteEnd(writer);
        await writer.FlushAsync(httpContext.RequestAborted);
    }

    /// <summary>The whole answer, as <see cref="ExecuteAsync"/> writes it.</summary>
    internal static void Write(Utf8JsonWriter writer, UsageBatchResult result)
    {
        WriteStart(writer, result);
        foreach (var e in result.Events)
        {
            WriteEvent(writer, e);
        }

        WriteEnd(writer);
        writer.Flush();
    }

    private static void WriteStart(Utf8JsonWriter writer, UsageBatchResult result)
    {
        writer.WriteStartObject();
        writer.WriteNumber("accepted"u8, result.Accepted);
        writer.WriteNumber("duplicates"u8, result.Duplicates);
        writer.WriteNumber("rejected"u8, result.Rejected);
        writer.WriteStartArray("events"u8);
    }

    private static void WriteEvent(Utf8JsonWriter writer, UsageEventResult e)
    {
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, e.Index);
        writer.WriteString("eventId"u8, e.EventId);
        writer.WriteString("status"u8, StatusNames[(int)e.Status]);
        writer.WriteString("code"u8, e.Code);
        writer.WriteString("reason"u8, e.Reason);
        writer.WriteEndObject();
    }

    private static void WriteEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(UsageBatchResponse), ["application/json"]));
}
