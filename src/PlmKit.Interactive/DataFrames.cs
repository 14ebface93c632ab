using System.Globalization;
using System.Reflection;
using Microsoft.Data.Analysis;
using PlmKit.Data;

namespace PlmKit.Interactive;

/// <summary>
/// Conversions between PlmKit's tables and Microsoft.Data.Analysis <see cref="DataFrame"/>s, for
/// notebooks: a <see cref="TidyTable"/> (read and validated by PlmKit's CSV reader) becomes a frame
/// and back, and any sequence of records or anonymous objects (result rows, a LINQ projection)
/// becomes a frame with one column per public property.
/// </summary>
public static class DataFrames
{
    /// <summary>
    /// The table as a frame: a column whose every non-empty cell is a number (as
    /// <see cref="TidyTable.NumbersOrNull"/> parses it) becomes a <see cref="DoubleDataFrameColumn"/>
    /// with empty cells as null; any other column a <see cref="StringDataFrameColumn"/> of the cells as written.
    /// </summary>
    /// <param name="table">The table; column names must be unique (they are in a TidyTable).</param>
    public static DataFrame ToDataFrame(this TidyTable table)
    {
        var columns = new List<DataFrameColumn>(table.ColumnNames.Count);
        foreach (string name in table.ColumnNames)
        {
            if (table.NumbersOrNull(name) is { } numbers && numbers.Any(v => !double.IsNaN(v)))
            {
                var cells = table.Strings(name);
                // An empty cell is missing (null); a written "NaN" stays a number.
                columns.Add(new DoubleDataFrameColumn(name, numbers.Select((v, r) => cells[r].Trim().Length == 0 ? (double?)null : v)));
            }
            else
            {
                columns.Add(new StringDataFrameColumn(name, table.Strings(name)));
            }
        }
        return new DataFrame(columns);
    }

    /// <summary>
    /// The frame as a table, cells written as PlmKit's CSV files write them: numbers in round-trip
    /// invariant format, missing values (null) as empty cells; rows numbered as lines 2, 3, … in errors.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <param name="source">Name of the table in error messages.</param>
    public static TidyTable ToTidyTable(this DataFrame frame, string source = "DataFrame")
    {
        var columns = frame.Columns.Select(c => (c.Name, (IReadOnlyList<string>)Enumerable.Range(0, checked((int)c.Length)).Select(r => Cell(c[r])).ToList()));
        return TidyTable.FromColumns(source, [.. columns]);
    }

    /// <summary>
    /// A frame with one column per public instance property of <typeparamref name="T"/>, in declaration
    /// order (anonymous types keep the order written): numbers (of any integer or floating type,
    /// nullable or not) become double columns, booleans boolean columns, anything else the invariant
    /// text of the value.
    /// </summary>
    /// <param name="rows">The rows, e.g. <c>results</c> (a list of result rows) or <c>xs.Select(x =&gt; new { … })</c>.</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> has no public property.</exception>
    public static DataFrame ToDataFrame<T>(this IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .ToList();
        if (properties.Count == 0)
            throw new ArgumentException($"{typeof(T).Name} has no public property to make a column of", nameof(rows));
        var list = rows.ToList();
        var columns = new List<DataFrameColumn>(properties.Count);
        foreach (var property in properties)
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var values = list.Select(r => property.GetValue(r)).ToList();
            if (IsNumber(type))
                columns.Add(new DoubleDataFrameColumn(property.Name, values.Select(v => v is null ? (double?)null : Convert.ToDouble(v, CultureInfo.InvariantCulture))));
            else if (type == typeof(bool))
                columns.Add(new BooleanDataFrameColumn(property.Name, values.Select(v => (bool?)v)));
            else
                columns.Add(new StringDataFrameColumn(property.Name, values.Select(v => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture))));
        }
        return new DataFrame(columns);
    }

    private static bool IsNumber(Type type) => Type.GetTypeCode(type) is TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16
        or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 or TypeCode.Single or TypeCode.Double or TypeCode.Decimal;

    private static string Cell(object? value) => value switch
    {
        null => "",
        double d => double.IsNaN(d) ? "" : d.ToString("R", CultureInfo.InvariantCulture),
        float f => float.IsNaN(f) ? "" : f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
