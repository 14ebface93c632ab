namespace PlmKit.Data;

/// <summary>Writing side of PlmKit's CSV files (RFC 4180, the dialect <see cref="CsvTable"/> reads).</summary>
public static class CsvField
{
    /// <summary>
    /// <paramref name="text"/> as one CSV field: unchanged unless it holds a comma, a quote or a
    /// line break, else quoted with inner quotes doubled.
    /// </summary>
    public static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
