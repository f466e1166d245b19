using System.Globalization;
using System.Text;
using CsCheck;
using Portal.Usage;

namespace Portal.Tests.Usage;

/// <summary>The writer's hand-written date text must be exactly what Microsoft.Data.Sqlite writes: roll-up keys compare as text.</summary>
public sealed class SqliteDateTextTests
{
    [Fact]
    public void Any_time_is_written_as_Microsoft_Data_Sqlite_writes_it()
    {
        var times = Gen.OneOf(
            Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks],
            // Whole seconds and round fractions, where trailing zeros are left out.
            Gen.Long[0, 315_537_897_599L].Select(seconds => seconds * TimeSpan.TicksPerSecond),
            Gen.Select(Gen.Long[0, 315_537_897_599L], Gen.Int[0, 9_999]).Select((seconds, fraction) => seconds * TimeSpan.TicksPerSecond + fraction * 1_000L));
        times.Sample(ticks =>
        {
            var time = new DateTime(ticks, DateTimeKind.Utc);
            Span<byte> text = stackalloc byte[SqliteUsageEventWriter.MaxSqliteTextLength];
            var length = SqliteUsageEventWriter.FormatSqliteText(time, text);
            Assert.Equal(time.ToString(SqliteUsageEventWriter.SqliteDateFormat, CultureInfo.InvariantCulture), Encoding.UTF8.GetString(text[..length]));
        });
    }

    [Theory]
    [InlineData("2026-12-04T00:00:00.0000000Z", "2026-12-04 00:00:00")]
    [InlineData("2026-12-04T09:05:07.1000000Z", "2026-12-04 09:05:07.1")]
    [InlineData("0001-01-01T00:00:00.0000001Z", "0001-01-01 00:00:00.0000001")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "9999-12-31 23:59:59.9999999")]
    public void Known_times(string iso, string expected)
    {
        var time = DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Span<byte> text = stackalloc byte[SqliteUsageEventWriter.MaxSqliteTextLength];
        Assert.Equal(expected, Encoding.UTF8.GetString(text[..SqliteUsageEventWriter.FormatSqliteText(time, text)]));
    }
}
