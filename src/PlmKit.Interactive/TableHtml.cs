using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace PlmKit.Interactive;

/// <summary>
/// A <see cref="DataFrame"/> as an HTML table for a notebook: one column per frame column, numbers
/// right-aligned with 4 significant digits (whole numbers as they are), missing values empty, and at
/// most <see cref="MaxRows"/> rows with a line saying how many were left out.
/// </summary>
public static class TableHtml
{
    /// <summary>Rows shown before the rest is summarised in one line.</summary>
    public const int MaxRows = 60;

    /// <summary>The HTML of <paramref name="frame"/>.</summary>
    public static string Write(DataFrame frame)
    {
        var html = new StringBuilder("<table class=\"plmkit-table\">\n<thead><tr>");
        foreach (var column in frame.Columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        long shown = Math.Min(frame.Rows.Count, MaxRows);
        for (long r = 0; r < shown; r++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                object? value = column[r];
                bool number = value is double or float or int or long or short or byte or decimal;
                html.Append(number ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">")
                    .Append(WebUtility.HtmlEncode(Format(value))).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>");
        if (frame.Rows.Count > shown)
            html.Append(CultureInfo.InvariantCulture, $"\n<div style=\"font-size:smaller;color:#666\">{shown} of {frame.Rows.Count} rows shown.</div>");
        return html.ToString();
    }

    /// <summary>
    /// One cell as shown: null as empty, a whole number below 10^15 without decimals, other numbers
    /// with 4 significant digits (exponent notation below 10^-4 and from 10^6 on), text as it is.
    /// </summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => FormatNumber(d),
        float f => FormatNumber(f),
        decimal m => FormatNumber((double)m),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string FormatNumber(double x)
    {
        if (double.IsNaN(x)) return "NaN";
        if (double.IsInfinity(x)) return x > 0 ? "Inf" : "-Inf";
        if (x == Math.Round(x) && Math.Abs(x) < 1e15) return x.ToString("0", CultureInfo.InvariantCulture);
        double magnitude = Math.Abs(x);
        if (magnitude < 1e-4 || magnitude >= 1e6) return x.ToString("0.000e0", CultureInfo.InvariantCulture);
        // 4 significant digits, trailing zeros kept so a column's values line up.
        int decimals = Math.Clamp(3 - (int)Math.Floor(Math.Log10(magnitude)), 0, 7);
        return x.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
