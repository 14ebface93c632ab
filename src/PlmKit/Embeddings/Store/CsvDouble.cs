using System.Globalization;

namespace PlmKit.Embeddings.Store;

/// <summary>
/// Stored float32 components as float64 exactly as they arrive through <c>plmkit embed</c>'s CSV:
/// written with the shortest round-trip digits, parsed as float64 (what <c>plmkit evaluate</c>
/// and the study's pandas do). (double)0.1f is 0.100000001490116…, the CSV route gives 0.1; going
/// through the same decimal text makes features from a store and from embed files bit-identical,
/// so results do not depend on where the features came from.
/// </summary>
public static class CsvDouble
{
    /// <summary>The float64 value of <paramref name="value"/>'s shortest round-trip decimal text.</summary>
    public static double Of(float value)
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture);
        return double.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Converts rows of float32 vectors (n × D) to float64 rows the same way.</summary>
    public static double[][] Of(float[][] rows) => rows.Select(r => Array.ConvertAll(r, Of)).ToArray();
}
