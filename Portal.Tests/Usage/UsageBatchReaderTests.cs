using System.Text;
using System.Text.Json;
using CsCheck;
using Portal.Api;
using Portal.Usage;

namespace Portal.Tests.Usage;

/// <summary>
/// The hand reader of usage batches takes a body only when the API's serializer reads it to the very same events, and
/// takes every plain batch: anything it leaves goes to the serializer, which accepts or explains it as before.
/// </summary>
public sealed class UsageBatchReaderTests
{
    private static readonly JsonSerializerOptions Api = ApiJson();

    private static JsonSerializerOptions ApiJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ApiRegistration.ConfigureJson(options);
        return options;
    }

    private static readonly Gen<string> JsonString = Gen.OneOf(
        Gen.String["abcXYZ019-_:./ "],
        Gen.String,
        Gen.Const("caf\\u00e9 \\\"quoted\\\" back\\\\slash"),
        Gen.Const("3f2c1e9a-6c1b-4c52-9a53-2d2f5c1d8e11"));

    private static readonly Gen<string> StringValue = Gen.Frequency(
        (8, JsonString.Select(s => JsonSerializer.Serialize(s).Replace("\\\\u", "\\u", StringComparison.Ordinal))),
        (1, Gen.Const("null")));

    private static readonly Gen<string> CreditsValue = Gen.OneOf(
        Gen.Int[0, 1000].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("5.0"), Gen.Const("-1"), Gen.Const("1e3"), Gen.Const("2.5"), Gen.Const("79228162514264337593543950336"), Gen.Const("null"));

    private static readonly Gen<string> OccurredAtValue = Gen.OneOf(
        Gen.Const("\"2026-12-04T10:15:00Z\""), Gen.Const("\"2026-12-04T10:15:00.1234567Z\""), Gen.Const("\"2026-12-04T10:15:00\""),
        Gen.Const("\"2026-12-04T10:15:00+02:00\""), Gen.Const("\"2026-12-04\""), Gen.Const("\"2026-13-04T10:15:00Z\""),
        Gen.Const("\"yesterday\""), Gen.Const("null"));

    // Values of other JSON types than the field's, which the serializer may still take ("7" for credits) or refuse.
    private static readonly Gen<string> OddValue = Gen.OneOf(
        Gen.Const("\"7\""), Gen.Const("5"), Gen.Const("true"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("1733307300"));

    private static Gen<string> EventOf(Gen<string> text, Gen<string> credits, Gen<string> at) =>
        Gen.Select(text, text, credits, at, text, Gen.Int[0, 31])
            .Select((orgId, activity, creditsValue, atValue, eventId, leaveOut) =>
            {
                var fields = new List<string>();
                void Field(int bit, string name, string value)
                {
                    if ((leaveOut & bit) == 0)
                    {
                        fields.Add($"\"{name}\":{value}");
                    }
                }

                Field(1, "orgId", orgId);
                Field(2, "activity", activity);
                Field(4, "credits", creditsValue);
                Field(8, "occurredAt", atValue);
                Field(16, "eventId", eventId);
                return "{" + string.Join(",", fields) + "}";
            });

    private static Gen<string> BatchOf(Gen<string> events) => events.List[0, 6].Select(list => "{\"events\":[" + string.Join(",", list) + "]}");

    private static readonly Gen<string> Batch = BatchOf(EventOf(StringValue, CreditsValue, OccurredAtValue));

    private static readonly Gen<string> OddBatch = BatchOf(Gen.Frequency(
        (3, EventOf(StringValue, CreditsValue, OccurredAtValue)),
        (1, EventOf(Gen.OneOf(StringValue, OddValue), Gen.OneOf(CreditsValue, OddValue), Gen.OneOf(OccurredAtValue, OddValue)))));

    // What senders other than our SDK examples do: other casing, extra fields, repeats, comments, trailing text, whitespace.
    private static readonly Gen<Func<string, string>> Mutation = Gen.OneOf(
        Gen.Const<Func<string, string>>(body => body.Replace("\"orgId\"", "\"OrgId\"", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body.Replace("{\"events\":", "{\"events\":null,\"events\":", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body.Replace("\"credits\":", "\"extra\":1,\"credits\":", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body.Replace("\"activity\":", "\"eventId\":\"again\",\"activity\":", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body + " {}"),
        Gen.Const<Func<string, string>>(body => "/* c */" + body),
        Gen.Const<Func<string, string>>(body => body.Replace(",", " ,\n ", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body.Replace("]}", ",]}", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body.Replace("[{", "[null,{", StringComparison.Ordinal)),
        Gen.Const<Func<string, string>>(body => body[..(body.Length / 2)]),
        Gen.Const<Func<string, string>>(_ => "{\"events\":null}"),
        Gen.Const<Func<string, string>>(_ => "null"),
        Gen.Const<Func<string, string>>(_ => "[]"),
        Gen.Const<Func<string, string>>(body => body));

    [Fact]
    public void Every_plain_batch_is_read_by_hand_exactly_as_the_serializer_reads_it()
    {
        Batch.Sample(body =>
        {
            var general = Serializer(body);
            var taken = UsageBatchReader.TryRead(Encoding.UTF8.GetBytes(body), out var fast);
            if (general.Error is null)
            {
                Assert.True(taken, "a plain batch went to the serializer: " + body);
                AssertSame(general.Batch, fast, body);
            }
            else
            {
                Assert.False(taken, $"read by hand, refused by the serializer ({general.Error}): {body}");
            }
        }, iter: 1000);
    }

    [Fact]
    public void Whatever_else_is_sent_is_read_by_hand_only_when_the_serializer_reads_the_same()
    {
        Gen.Select(OddBatch, Mutation).Sample((batch, mutate) =>
        {
            var body = mutate(batch);
            var general = Serializer(body);
            if (UsageBatchReader.TryRead(Encoding.UTF8.GetBytes(body), out var fast))
            {
                Assert.True(general.Error is null, $"read by hand, refused by the serializer ({general.Error}): {body}");
                AssertSame(general.Batch, fast, body);
            }
        }, iter: 1000);
    }

    private static (UsageBatchRequest? Batch, string? Error) Serializer(string body)
    {
        try
        {
            return (JsonSerializer.Deserialize<UsageBatchRequest>(body, Api), null);
        }
        catch (JsonException e)
        {
            return (null, e.Message);
        }
    }

    private static void AssertSame(UsageBatchRequest? expected, UsageBatchRequest? actual, string body)
    {
        Assert.True((expected is null) == (actual is null), body);
        Assert.True((expected?.Events is null) == (actual?.Events is null), body);
        if (expected?.Events is { } events)
        {
            Assert.Equal(events, actual!.Events!);
            Assert.Equal(events.Select(e => e.OccurredAt?.Kind), actual.Events!.Select(e => e.OccurredAt?.Kind));
            Assert.Equal(events.Select(e => e.Credits?.Scale), actual.Events!.Select(e => e.Credits?.Scale));
        }
    }
}
