using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Usage;

/// <summary>
/// Rows for SQLite's <c>json_each</c>/<c>jsonb_each</c> as a JSON array of arrays of strings and numbers, written by
/// hand into one buffer per thread: a batch's thousand rows took Utf8JsonWriter longer than SQLite took to read them.
/// Use it without awaiting between <see cref="Start"/> and <see cref="ToArray"/>.
/// </summary>
internal sealed class SqliteJsonRows
{
    [ThreadStatic]
    private static SqliteJsonRows? perThread;

    // Printable ASCII that JSON takes as is: everything else in a string goes through the escaping encoder.
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        Enumerable.Range(0x20, 0x7f - 0x20).Select(c => (char)c).Where(c => c is not ('"' or '\\')).ToArray());

    private byte[] buffer = new byte[64 * 1024];
    private int length;
    private int rows;
    private int values;

    public static SqliteJsonRows Start()
    {
        var json = perThread ??= new SqliteJsonRows();
        json.length = 0;
        json.rows = 0;
        json.Append((byte)'[');
        return json;
    }

    public void BeginRow()
    {
        if (rows++ > 0)
        {
            Append((byte)',');
        }

        Append((byte)'[');
        values = 0;
    }

    public void EndRow() => Append((byte)']');

    public void String(string value)
    {
        Separate();
        Append((byte)'"');
        if (!value.AsSpan().ContainsAnyExcept(Plain))
        {
            var span = Reserve(value.Length);
            Encoding.ASCII.GetBytes(value, span);
            length += value.Length;
        }
        else
        {
            foreach (var b in JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes)
            {
                Append(b);
            }
        }

        Append((byte)'"');
    }

    public void Number(long value)
    {
        Separate();
        Utf8Formatter.TryFormat(value, Reserve(20), out var written);
        length += written;
    }

    /// <summary>A time as the text Microsoft.Data.Sqlite writes for a DateTime (see <see cref="SqliteUsageEventWriter.FormatSqliteText"/>).</summary>
    public void Time(DateTime utc)
    {
        Separate();
        Append((byte)'"');
        length += SqliteUsageEventWriter.FormatSqliteText(utc, Reserve(SqliteUsageEventWriter.MaxSqliteTextLength));
        Append((byte)'"');
    }

    /// <summary>The finished array's UTF-8 bytes.</summary>
    public byte[] ToArray()
    {
        Append((byte)']');
        return buffer.AsSpan(0, length).ToArray();
    }

    private void Separate()
    {
        if (values++ > 0)
        {
            Append((byte)',');
        }
    }

    private void Append(byte value)
    {
        Reserve(1)[0] = value;
        length++;
    }

    private Span<byte> Reserve(int count)
    {
        if (length + count > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + count));
        }

        return buffer.AsSpan(length, count);
    }
}
