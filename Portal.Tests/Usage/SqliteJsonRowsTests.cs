using System.Text.Json;
using CsCheck;
using Portal.Usage;

namespace Portal.Tests.Usage;

/// <summary>The rows the SQLite writer hands to json_each are valid JSON holding exactly the values given.</summary>
public sealed class SqliteJsonRowsTests
{
    [Fact]
    public void Any_strings_and_numbers_come_back_as_they_went_in()
    {
        // Event ids are the client's: quotes, backslashes, control characters, other scripts, emoji.
        // (Strings read from a request are whole UTF-16: the reader refuses lone surrogates.)
        var text = Gen.OneOf(Gen.String["\"\\\u0001\t\n é中abc-_:/<>&'"], Gen.Const("plain-ascii-id-123"), Gen.Const("🎧 headphones \"x\""), Gen.Const(""));
        var row = Gen.Select(text, text, Gen.Long, Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks]);
        row.Array[0, 30].Sample(rows =>
        {
            var json = SqliteJsonRows.Start();
            foreach (var (first, second, number, ticks) in rows)
            {
                json.BeginRow();
                json.String(first);
                json.String(second);
                json.Number(number);
                json.Time(new DateTime(ticks, DateTimeKind.Utc));
                json.EndRow();
            }

            using var parsed = JsonDocument.Parse(json.ToArray());
            Assert.Equal(rows.Length, parsed.RootElement.GetArrayLength());
            foreach (var ((first, second, number, ticks), element) in rows.Zip(parsed.RootElement.EnumerateArray()))
            {
                Assert.Equal(first, element[0].GetString());
                Assert.Equal(second, element[1].GetString());
                Assert.Equal(number, element[2].GetInt64());
                Assert.Equal(new DateTime(ticks, DateTimeKind.Utc).ToString(SqliteUsageEventWriter.SqliteDateFormat, System.Globalization.CultureInfo.InvariantCulture), element[3].GetString());
            }
        }, iter: 500);
    }
}
