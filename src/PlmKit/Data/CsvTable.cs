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
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
        };
        try
        {
            using var csv = CsvReader.FromFile(path, options);
            var header = csv.Headers.ToArray();
            if (header.Length == 0 || header.All(h => h.Length == 0)) throw new InputException(path, null, "file is empty (no header)");
            var rows = new List<CsvRow>();
            while (csv.Read())
            {
                int line = checked((int)csv.LineNumber);
                if (csv.FieldCount != header.Length)
                    throw new InputException(path, line, $"row has {csv.FieldCount} fields, the header has {header.Length}");
                var fields = new string[header.Length];
                for (int i = 0; i < fields.Length; i++) fields[i] = csv.GetString(i) ?? "";
                rows.Add(new CsvRow(line, fields));
            }
            int headerLine = FirstNonEmptyLine(path);
            if (rows.Count == 0) throw new InputException(path, headerLine, "header only: no data rows");
            return new CsvTable(path, header, headerLine, rows);
        }
        catch (CsvFormatException e)
        {
            throw new InputException(path, e.LineNumber > 0 ? checked((int)e.LineNumber) : null, $"malformed CSV: {e.Message}");
        }
    }

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
