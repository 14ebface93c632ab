using System.Globalization;
using System.Text;

namespace PlmKit;

/// <summary>
/// The one CSV writer of PlmKit: every table any command writes goes through here, so quoting and
/// number formats are the same everywhere. Fields follow RFC 4180 (a field holding a comma, a
/// double quote, CR or LF is quoted, inner quotes doubled); lines end in LF as pandas and R write
/// them; numbers are invariant-culture round-trip text (a double read back is the same double);
/// NaN is an empty cell (what pandas writes and both pandas and R read back as missing); booleans
/// are <c>TRUE</c>/<c>FALSE</c> (R's spelling, which pandas also reads).
/// </summary>
public static class CsvFile
{
    /// <summary><paramref name="text"/> as one field: unchanged unless it needs quoting under RFC 4180.</summary>
    public static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>One cell: strings quoted when needed, numbers round-trip, NaN empty, null empty, bools TRUE/FALSE.</summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        string s => Field(s),
        double d => double.IsNaN(d) ? "" : d.ToString("R", CultureInfo.InvariantCulture),
        float f => float.IsNaN(f) ? "" : f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        IFormattable x => Field(x.ToString(null, CultureInfo.InvariantCulture)),
        _ => Field(value.ToString() ?? ""),
    };

    /// <summary>One line (without its line end) of <paramref name="cells"/>.</summary>
    public static string Line(IEnumerable<object?> cells) => string.Join(',', cells.Select(Cell));

    /// <summary>The whole table as text: the header, then one line per row, each ending in LF.</summary>
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(Line(header)).Append('\n');
        foreach (var row in rows)
        {
            if (row.Count != header.Count)
                throw new ArgumentException($"a row has {row.Count} cells but the header {header.Count} columns", nameof(rows));
            sb.Append(Line(row)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes the table to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows) =>
        AtomicFile.WriteAllText(path, Format(header, rows));

    /// <summary>
    /// Streams a large table into <paramref name="path"/> atomically: <paramref name="write"/> gets a
    /// writer for rows after the header is written (for tables too large to build as text first).
    /// </summary>
    public static void Write(string path, IReadOnlyList<string> header, Action<Writer> write) =>
        AtomicFile.Write(path, temp =>
        {
            using var stream = new StreamWriter(temp, false, new UTF8Encoding(false));
            var writer = new Writer(stream, header.Count);
            stream.Write(Line(header));
            stream.Write('\n');
            write(writer);
        });

    /// <summary>Row writer handed out by <see cref="Write(string, IReadOnlyList{string}, Action{Writer})"/>.</summary>
    public sealed class Writer
    {
        private readonly TextWriter _out;
        private readonly int _columns;
        private readonly StringBuilder _line = new();

        internal Writer(TextWriter output, int columns) => (_out, _columns) = (output, columns);

        /// <summary>Writes one row of exactly as many cells as the header has columns.</summary>
        public void Row(params object?[] cells)
        {
            if (cells.Length != _columns) throw new ArgumentException($"a row has {cells.Length} cells but the header {_columns} columns", nameof(cells));
            _out.Write(Line(cells));
            _out.Write('\n');
        }

        /// <summary>Writes a row made of a leading text field and float components (embedding tables), without boxing each number.</summary>
        public void Row(string first, ReadOnlySpan<float> values)
        {
            if (values.Length + 1 != _columns) throw new ArgumentException($"a row has {values.Length + 1} cells but the header {_columns} columns", nameof(values));
            _line.Clear().Append(Field(first));
            Span<char> buffer = stackalloc char[32];
            foreach (var v in values)
            {
                _line.Append(',');
                if (float.IsNaN(v)) continue;
                v.TryFormat(buffer, out int n, "R", CultureInfo.InvariantCulture);
                _line.Append(buffer[..n]);
            }
            _out.Write(_line);
            _out.Write('\n');
        }
    }
}
