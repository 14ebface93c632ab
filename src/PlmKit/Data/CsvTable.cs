using System.Globalization;
using CsvHelper;

namespace PlmKit.Data;

/// <summary>One data row of a CSV file with the 1-based line it starts on.</summary>
internal sealed record CsvRow(int Line, string[] Fields);

/// <summary>
/// A whole CSV file in memory: header and rows with their line numbers. Parsing (quotes,
/// embedded newlines, CRLF, BOM) is CsvHelper's; this type only adds line numbers and the
/// messages PlmKit's input contract asks for.
/// </summary>
internal sealed class CsvTable
{
    public string Path { get; }
    public string[] Header { get; }
    public int HeaderLine { get; }
    public IReadOnlyList<CsvRow> Rows { get; }

    private CsvTable(string path, string[] header, int headerLine, IReadOnlyList<CsvRow> rows)
    {
        Path = path;
        Header = header;
        HeaderLine = headerLine;
        Rows = rows;
    }

    /// <summary>Reads <paramref name="path"/>; the first non-empty line is the header.</summary>
    /// <exception cref="InputException">Missing or empty file, bad quoting, a row with the wrong number of fields, no data rows.</exception>
    public static CsvTable Load(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "file not found");
        if (new FileInfo(path).Length == 0) throw new InputException(path, null, "file is empty");
        var (header, rows) = ReadRecords(options => CsvReader.FromFile(path, options), path, trimWhitespace: true);
        if (header.Length == 0 || header.All(h => h.Length == 0)) throw new InputException(path, null, "file is empty (no header)");
        int headerLine = FirstNonEmptyLine(path);
        if (rows.Count == 0) throw new InputException(path, headerLine, "header only: no data rows");
        return new CsvTable(path, header, headerLine, rows);
    }

    /// <summary>
    /// PlmKit's one CSV parser (used by <see cref="Load"/> and <see cref="TidyTable"/>): the header
    /// (empty when there is no text) and every data row with the line it starts on; blank lines are skipped.
    /// </summary>
    /// <param name="open">Opens CsvHelper's reader on the text (a file, or a <see cref="TextReader"/>) with the given options.</param>
    /// <param name="source">File path (or name) for error messages.</param>
    /// <param name="trimWhitespace">Trim spaces around unquoted fields (assay files) or keep cells as written (tidy tables).</param>
    /// <exception cref="InputException">Bad quoting, or a row whose field count differs from the header's.</exception>
    internal static (string[] Header, List<CsvRow> Rows) ReadRecords(Func<CsvReaderOptions, CsvReader> open, string source, bool trimWhitespace)
    {
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            TrimWhitespace = trimWhitespace,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
        };
        try
        {
            using var csv = open(options);
            var header = csv.Headers.ToArray();
            var rows = new List<CsvRow>();
            while (csv.Read())
            {
                int line = checked((int)csv.LineNumber);
                if (csv.FieldCount != header.Length)
                    throw new InputException(source, line, $"row has {csv.FieldCount} fields, the header has {header.Length}");
                var fields = new string[header.Length];
                for (int i = 0; i < fields.Length; i++) fields[i] = csv.GetString(i) ?? "";
                rows.Add(new CsvRow(line, fields));
            }
            return (header, rows);
        }
        catch (CsvFormatException e)
        {
            throw new InputException(source, e.LineNumber > 0 ? checked((int)e.LineNumber) : null, $"malformed CSV: {Problem(e)}");
        }
    }

    // CsvHelper's message repeats the record, line and byte offset ("Malformed CSV in record 4 (line 4):
    // ... (byte offset 9)."), which the file:line prefix already gives; the two quoting errors get a
    // plain wording, anything else keeps CsvHelper's text.
    private static string Problem(CsvFormatException e) =>
        e.Message.Contains("never closed", StringComparison.Ordinal) ? "a quoted field is not closed before the end of the file"
        : e.Message.Contains("after the closing quote", StringComparison.Ordinal) ? "unexpected text after a closing quote"
        : e.Message;

    private static int FirstNonEmptyLine(string path)
    {
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (line.Trim().Length > 0) return n;
        }
        return 1;
    }

    /// <summary>Index of column <paramref name="name"/> (exact match first, then ignoring case), or -1.</summary>
    public int Find(string name)
    {
        int exact = Array.IndexOf(Header, name);
        if (exact >= 0) return exact;
        return Array.FindIndex(Header, h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Index of a column that must exist.</summary>
    /// <exception cref="InputException">The column is missing; the message lists the columns there are.</exception>
    public int Require(string name, string role)
    {
        int i = Find(name);
        if (i < 0) throw new InputException(Path, HeaderLine, $"no {role} column '{name}'; the header has: {DescribeHeader()}");
        return i;
    }

    /// <summary>The header as a readable list, unnamed columns shown as <c>(unnamed)</c>.</summary>
    public string DescribeHeader() => string.Join(", ", Header.Select(h => h.Length == 0 ? "(unnamed)" : h));
}
