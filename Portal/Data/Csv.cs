using System.Globalization;
using System.Text;

namespace Portal.Data;

/// <summary>RFC 4180 CSV for exports, with spreadsheet formula injection defused.</summary>
public sealed class Csv(TextWriter writer)
{
    public Task WriteRowAsync(params object?[] fields)
    {
        var line = new StringBuilder();
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            line.Append(Escape(Format(fields[i])));
        }

        line.Append("\r\n");
        return writer.WriteAsync(line.ToString());
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        DateTime time => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Escape(string field)
    {
        // A cell starting with = + - @ would be run as a formula by spreadsheet programs.
        if (field.Length > 0 && "=+-@\t\r".Contains(field[0], StringComparison.Ordinal) && !IsNumber(field))
        {
            field = "'" + field;
        }

        return field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    private static bool IsNumber(string field) =>
        decimal.TryParse(field, NumberStyles.Number, CultureInfo.InvariantCulture, out _);
}
