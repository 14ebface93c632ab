using System.Globalization;
using System.Text;
using PlmKit.Data;

namespace PlmKit.Figures;

/// <summary>Writes tidy CSV text: header first, numbers in round-trip invariant form, text quoted only when it must be.</summary>
internal static class TidyCsv
{
    public static string Format(IReadOnlyList<string> header, IEnumerable<object[]> rows)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', header.Select(h => Cell(h)))).Append('\n');
        foreach (var row in rows)
        {
            if (row.Length != header.Count)
                throw new ArgumentException($"a row has {row.Length} cells but the header {header.Count}", nameof(rows));
            text.Append(string.Join(',', row.Select(Cell))).Append('\n');
        }
        return text.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s => CsvFile.Field(s),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
