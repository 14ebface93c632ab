using System.Globalization;
using System.Text.RegularExpressions;
using PlmKit.Data;

namespace PlmKit.Figures;

/// <summary>One number a text about the results may state, with where it comes from.</summary>
/// <param name="Key">Stable name, e.g. <c>fig3a.median.esmc:600M</c>.</param>
/// <param name="Value">The computed value.</param>
/// <param name="Description">What it is, in words.</param>
public sealed record HeadlineNumber(string Key, double Value, string Description);

/// <summary>
/// Checks prose (README, docs, notebook markdown) against computed numbers: every decimal the
/// prose states must be one of the computed values rounded to the decimals the prose gives, so a
/// number that goes stale when the data or the analysis changes fails a test instead of lingering.
/// </summary>
public static partial class ProseNumbers
{
    /// <summary>
    /// The decimal numbers in <paramref name="prose"/> (e.g. <c>0.487</c>, <c>−0.034</c>, <c>+0.10</c>)
    /// as written, with a Unicode minus read as '-' and a leading '+' dropped. Integers are not
    /// decimals and are not returned; neither are version-like runs such as <c>1.0.712</c>.
    /// </summary>
    public static IReadOnlyList<string> Decimals(string prose) =>
        [.. DecimalPattern().Matches(prose).Select(m => m.Value.Replace('−', '-').TrimStart('+'))];

    /// <summary>Whether <paramref name="written"/> (a decimal as <see cref="Decimals"/> returns it) is <paramref name="value"/> rounded to its decimals.</summary>
    public static bool Matches(string written, double value)
    {
        int digits = written.Length - written.IndexOf('.') - 1;
        double stated = double.Parse(written, CultureInfo.InvariantCulture);
        return Math.Abs(Math.Round(value, digits, MidpointRounding.AwayFromZero) - stated) < 0.5 * Math.Pow(10, -digits - 3);
    }

    /// <summary>The decimals of <paramref name="prose"/> that match none of <paramref name="numbers"/>.</summary>
    public static IReadOnlyList<string> Unmatched(string prose, IEnumerable<HeadlineNumber> numbers)
    {
        var values = numbers.Select(n => n.Value).ToList();
        return [.. Decimals(prose).Where(d => !values.Any(v => Matches(d, v)))];
    }

    /// <summary>
    /// The numbers of a <c>headline-numbers.csv</c> that <c>plmkit reproduce</c> wrote (columns
    /// <c>key</c>, <c>value</c>, <c>description</c>), to check a README, docs page or notebook against.
    /// </summary>
    /// <exception cref="InputException">A missing column, a non-finite value, or a key listed twice.</exception>
    public static IReadOnlyList<HeadlineNumber> Read(string path)
    {
        var table = TidyTable.Read(path);
        var keys = table.Strings("key");
        var values = table.Numbers("value");
        var descriptions = table.Strings("description");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new List<HeadlineNumber>();
        for (int i = 0; i < table.RowCount; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column 'value' has {values[i]}; a finite number is expected");
            if (!seen.Add(keys[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"key '{keys[i]}' is listed twice");
            numbers.Add(new HeadlineNumber(keys[i], values[i], descriptions[i]));
        }
        return numbers;
    }

    /// <summary>
    /// <paramref name="markdown"/> without its code: fenced blocks (<c>```</c> … <c>```</c>) and inline
    /// code spans (<c>`…`</c>) each become one space, so commands and expressions such as
    /// <c>--margin 0.02</c> or <c>train_loss ≥ val_loss − 0.06</c> are not read as stated results.
    /// </summary>
    public static string WithoutCode(string markdown) => InlineCode().Replace(FencedCode().Replace(markdown, " "), " ");

    /// <summary>Whether <paramref name="prose"/> states <paramref name="value"/> (at any number of decimals it writes).</summary>
    public static bool States(string prose, double value) => Decimals(prose).Any(d => Matches(d, value));

    // A sign (ASCII or Unicode minus, or plus) only right before the digits; no digit or dot around
    // the number, so version strings and dates are not read as decimals.
    [GeneratedRegex(@"(?<![\d.])[−+-]?\d+\.\d+(?![\d.]*\d)")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^[ \t]*```.*?^[ \t]*```[^\n]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedCode();

    [GeneratedRegex(@"`[^`]+`")]
    private static partial Regex InlineCode();
}
