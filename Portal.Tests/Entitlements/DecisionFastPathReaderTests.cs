using System.Text;
using Portal.Entitlements;

namespace Portal.Tests.Entitlements;

/// <summary>The decision fast path reads only the plain request shape; everything else is left to the general binder.</summary>
public sealed class DecisionFastPathReaderTests
{
    [Theory]
    [InlineData("""{"apiKey":"k","assumeOrg":null,"item":"i","activity":"a","keyId":"id","credits":7}""", true)]
    [InlineData("""  { "activity" : "speech" }  """, true)]
    [InlineData("""{"credits":"7"}""", false)]
    [InlineData("""{"credits":7.5}""", false)]
    [InlineData("""{"item":{"key":"x"}}""", false)]
    [InlineData("""{"item":"a","item":"b"}""", false)]
    [InlineData("""{"Item":"a"}""", false)]
    [InlineData("""{"item":"a"} {}""", false)]
    [InlineData("""[]""", false)]
    public void The_fast_reader_takes_only_the_plain_shape(string json, bool taken)
    {
        bool read;
        try
        {
            read = DecisionFastPath.TryReadRequest(Encoding.UTF8.GetBytes(json), out var request);
            if (read && json.Contains("\"k\"", StringComparison.Ordinal))
            {
                Assert.Equal(new DecisionRequest("k", "id", null, "i", "a", 7), request);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            read = false;
        }

        Assert.Equal(taken, read);
    }
}
