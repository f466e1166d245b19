using System.Text;
using System.Text.Json;
using CsCheck;
using Portal.Usage;

namespace Portal.Tests.Usage;

/// <summary>The hand-written batch answer is byte for byte what the API's serializer writes for the documented shape.</summary>
public sealed class UsageBatchAnswerTests
{
    private static readonly JsonSerializerOptions ApiDefaults = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Any_batch_answer_equals_the_serialized_response_shape()
    {
        // Event ids as clients send them: quotes, backslashes, HTML characters, other scripts, emoji, nothing at all.
        var text = Gen.OneOf(Gen.String, Gen.String["\"\\<>&'+ é中🎧abc-_:/"], Gen.Const((string)null!));
        var outcome = Gen.Select(Gen.Int[0, 1000], text, Gen.Enum<UsageEventOutcome>(), text, text)
            .Select((index, eventId, status, code, reason) => new UsageEventResult(index, eventId, status, code, reason));
        Gen.Select(outcome.List[0, 40], Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, 1000]).Sample((events, accepted, duplicates, rejected) =>
        {
            var result = new UsageBatchResult(accepted, duplicates, rejected, events);
            var expected = JsonSerializer.Serialize(new UsageBatchResponse(accepted, duplicates, rejected,
                events.Select(e => new UsageEventResultData(e.Index, e.EventId, e.Status.ToString().ToLowerInvariant(), e.Code, e.Reason)).ToList()), ApiDefaults);

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ApiDefaults.Encoder, SkipValidation = true }))
            {
                UsageBatchAnswer.Write(writer, result);
            }

            Assert.Equal(expected, Encoding.UTF8.GetString(buffer.ToArray()));
        });
    }
}
