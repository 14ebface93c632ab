using System.Globalization;
using System.Text;

namespace PlmKit.Data;

/// <summary>
/// A small in-memory table read from a tidy CSV file (one header line, one observation per row),
/// such as the study's result tables. Cells are kept as strings; <see cref="Numbers"/> parses a
/// column on demand. Every row remembers the 1-based line of the file it started on, so callers
/// can report bad values as <c>file:line: problem</c>.
/// </summary>
/// <remarks>
/// Parsed by the same CsvHelper-based reader as the assay files (<see cref="CsvTable"/>): RFC 4180
/// quoting (commas, line breaks and doubled quotes inside quotes), CRLF, a UTF-8 BOM, blank lines
/// skipped, and malformed input reported as <c>file:line: problem</c>. Cells are kept as written
/// (no trimming).
/// </remarks>
public sealed class TidyTable
{
    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;
    private readonly string[][] _columns;
    private readonly int[] _lines;
    // Per-row file when rows come from several files (Concat); null: every row is from Source.
    private readonly string[]? _rowSources;

    private TidyTable(string source, string[] names, string[][] columns, int[] lines, string[]? rowSources = null)
    {
        Source = source;
        _names = names;
        _columns = columns;
        _lines = lines;
        _rowSources = rowSources;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            if (!_index.TryAdd(names[i], i))
                throw new InputException(source, 1, $"column name '{names[i]}' appears twice in the header");
        }
    }

    /// <summary>Where the table came from (a file path or a caller-given name), used in error messages.</summary>
    public string Source { get; }

    /// <summary>Column names in file order (the unnamed pandas index column is the empty string).</summary>
    public IReadOnlyList<string> ColumnNames => _names;

    /// <summary>Number of data rows (header excluded).</summary>
    public int RowCount => _lines.Length;

    /// <summary>True when the header has a column named <paramref name="name"/> (case-sensitive).</summary>
    public bool HasColumn(string name) => _index.ContainsKey(name);

    /// <summary>1-based line of the file on which data row <paramref name="row"/> (0-based) starts.</summary>
    public int LineOf(int row) => _lines[row];

    /// <summary>The file (or name) row <paramref name="row"/> came from: <see cref="Source"/>, or one of the files of <see cref="Concat"/>.</summary>
    public string SourceOf(int row) => _rowSources?[row] ?? Source;

    /// <summary>The cells of column <paramref name="name"/>, one per row, as written in the file.</summary>
    /// <exception cref="InputException">The column does not exist; the message lists the columns there are.</exception>
    public IReadOnlyList<string> Strings(string name) => _columns[IndexOf(name)];

    /// <summary>
    /// Column <paramref name="name"/> parsed as numbers (invariant culture; <c>NaN</c>, <c>Inf</c>
    /// and <c>-Inf</c> are accepted and returned as such, so callers decide whether they are allowed).
    /// </summary>
    /// <returns>Array of length <see cref="RowCount"/>.</returns>
    /// <exception cref="InputException">The column does not exist, or a cell is empty or not a number
    /// (the message names the file, line, column and value).</exception>
    public double[] Numbers(string name)
    {
        var cells = _columns[IndexOf(name)];
        var values = new double[cells.Length];
        for (int r = 0; r < cells.Length; r++)
        {
            string cell = cells[r].Trim();
            if (cell.Length == 0)
                throw new InputException(Source, _lines[r], $"column '{name}' is empty where a number is expected");
            if (!TryParseNumber(cell, out values[r]))
                throw new InputException(Source, _lines[r], $"column '{name}' has '{cells[r]}', which is not a number");
        }
        return values;
    }

    /// <summary>
    /// Column <paramref name="name"/> parsed as <see cref="Numbers"/> does, except that an empty cell is
    /// NaN (how <see cref="CsvFile"/> writes NaN), or null when some non-empty cell is not a number: the
    /// test a caller makes to decide whether a column is numeric (e.g. for a DataFrame column type).
    /// </summary>
    /// <exception cref="InputException">The column does not exist.</exception>
    public double[]? NumbersOrNull(string name)
    {
        var cells = _columns[IndexOf(name)];
        var values = new double[cells.Length];
        for (int r = 0; r < cells.Length; r++)
        {
            string cell = cells[r].Trim();
            if (cell.Length == 0) values[r] = double.NaN;
            else if (!TryParseNumber(cell, out values[r])) return null;
        }
        return values;
    }

    /// <summary>Reads a CSV file with a header line.</summary>
    /// <param name="path">File to read (UTF-8).</param>
    /// <exception cref="InputException">The file is missing, empty, or malformed (unterminated quote,
    /// a row with a different number of fields than the header).</exception>
    public static TidyTable Read(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, null, "file not found");
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, path);
    }

    /// <summary>Parses CSV text with a header line from <paramref name="reader"/>.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="source">Name used in error messages (a file path, or e.g. "&lt;stdin&gt;").</param>
    /// <exception cref="InputException">Empty input or malformed CSV.</exception>
    public static TidyTable Parse(TextReader reader, string source)
    {
        var (header, rows) = CsvTable.ReadRecords(options => CsvHelper.CsvReader.Create(reader, options, true), source, trimWhitespace: false);
        if (header.Length == 0)
            throw new InputException(source, 1, "the file is empty; a header line is expected");
        var columns = new string[header.Length][];
        for (int c = 0; c < columns.Length; c++)
            columns[c] = rows.Select(r => r.Fields[c]).ToArray();
        return new TidyTable(source, header, columns, [.. rows.Select(r => r.Line)]);
    }

    /// <summary>
    /// Builds a table from in-memory columns of equal length (tests, notebooks). Row <c>r</c> is
    /// reported as line <c>r + 2</c>, as if the columns had been written to a CSV with a header.
    /// </summary>
    /// <param name="source">Name used in error messages.</param>
    /// <param name="columns">Column name and cells, in order.</param>
    /// <exception cref="ArgumentException">Columns of different lengths.</exception>
    public static TidyTable FromColumns(string source, params (string Name, IReadOnlyList<string> Cells)[] columns)
    {
        int n = columns.Length == 0 ? 0 : columns[0].Cells.Count;
        if (columns.Any(c => c.Cells.Count != n))
            throw new ArgumentException("all columns must have the same number of cells", nameof(columns));
        var lines = Enumerable.Range(2, n).ToArray();
        return new TidyTable(source, [.. columns.Select(c => c.Name)], [.. columns.Select(c => c.Cells.ToArray())], lines);
    }

    /// <summary>
    /// A copy of this table with one more column (or a replaced one) holding <paramref name="values"/>
    /// written in round-trip invariant format, e.g. <c>log10(dataset_size)</c> as a model covariate.
    /// </summary>
    /// <param name="name">Column name.</param>
    /// <param name="values">One value per row (length <see cref="RowCount"/>).</param>
    /// <exception cref="ArgumentException">Wrong number of values.</exception>
    public TidyTable WithColumn(string name, IReadOnlyList<double> values)
    {
        if (values.Count != RowCount)
            throw new ArgumentException($"{values.Count} values for a table of {RowCount} rows", nameof(values));
        var cells = values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        var names = _names.ToList();
        var columns = _columns.ToList();
        if (_index.TryGetValue(name, out int at)) columns[at] = cells;
        else { names.Add(name); columns.Add(cells); }
        return new TidyTable(Source, [.. names], [.. columns], _lines, _rowSources);
    }

    /// <summary>
    /// The rows of several tables with the same columns, one after the other (e.g. <c>evaluate</c>'s
    /// and <c>finetune</c>'s result tables for one comparison); each row keeps its file and line.
    /// </summary>
    /// <exception cref="InputException">A table whose header differs from the first one's.</exception>
    public static TidyTable Concat(IReadOnlyList<TidyTable> tables)
    {
        if (tables.Count == 0) throw new ArgumentException("no tables", nameof(tables));
        if (tables.Count == 1) return tables[0];
        var first = tables[0];
        foreach (var t in tables.Skip(1))
            if (!t._names.SequenceEqual(first._names))
                throw new InputException(t.Source, 1, $"its columns differ from those of {first.Source}; tables are joined only with the same header");
        var columns = Enumerable.Range(0, first._names.Length).Select(c => tables.SelectMany(t => t._columns[c]).ToArray()).ToArray();
        var sources = tables.SelectMany(t => Enumerable.Range(0, t.RowCount).Select(t.SourceOf)).ToArray();
        return new TidyTable(string.Join(" + ", tables.Select(t => t.Source)), first._names, columns, [.. tables.SelectMany(t => t._lines)], sources);
    }

    /// <summary>The rows whose <paramref name="column"/> equals <paramref name="value"/> (ordinal), lines kept.</summary>
    /// <exception cref="InputException">The column does not exist.</exception>
    public TidyTable WhereEquals(string column, string value) => Where(column, cell => cell == value);

    /// <summary>The rows whose <paramref name="column"/> cell satisfies <paramref name="keepCell"/>, lines kept.</summary>
    /// <exception cref="InputException">The column does not exist.</exception>
    public TidyTable Where(string column, Func<string, bool> keepCell)
    {
        var cells = Strings(column);
        var keep = Enumerable.Range(0, RowCount).Where(r => keepCell(cells[r])).ToArray();
        return new TidyTable(Source, _names, [.. _columns.Select(c => keep.Select(r => c[r]).ToArray())], [.. keep.Select(r => _lines[r])],
            _rowSources is null ? null : [.. keep.Select(r => _rowSources[r])]);
    }

    private int IndexOf(string name)
    {
        if (_index.TryGetValue(name, out int i)) return i;
        string known = string.Join(", ", _names.Where(n => n.Length > 0).Select(n => $"'{n}'"));
        throw new InputException(Source, 1, $"no column '{name}' in the header (columns: {known})");
    }

    private static bool TryParseNumber(string cell, out double value)
    {
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return true;
        // pandas and R write infinities as inf/Inf and missing values as nan/NA; NA stays an error.
        switch (cell.ToLowerInvariant())
        {
            case "nan": value = double.NaN; return true;
            case "inf": case "+inf": case "infinity": value = double.PositiveInfinity; return true;
            case "-inf": case "-infinity": value = double.NegativeInfinity; return true;
            default: return false;
        }
    }
}
