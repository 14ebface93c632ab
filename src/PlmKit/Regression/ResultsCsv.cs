using System.Globalization;
using System.Text;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>
/// Writes fold results as a tidy CSV with the study's column names (its R code reads them):
/// <c>Dataset, Model, Compression_method, Fold, R2_score_train, MAE_score_train,
/// RMSE_score_train, R2_score_test, MAE_score_test, RMSE_score_test, rho_score_train,
/// rho_score_test, nun_zero_coefs</c> (the study's spelling), then <c>Layer, alpha, n_train,
/// n_test, fit_seconds, Sample_size</c>. NaN is written as an empty cell (as pandas does);
/// numbers round-trip exactly.
/// </summary>
public static class ResultsCsv
{
    /// <summary>The header columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "Dataset", "Model", "Compression_method", "Fold", "R2_score_train", "MAE_score_train", "RMSE_score_train",
        "R2_score_test", "MAE_score_test", "RMSE_score_test", "rho_score_train", "rho_score_test", "nun_zero_coefs",
        "Layer", "alpha", "n_train", "n_test", "fit_seconds", "Sample_size",
    ];

    /// <summary>The CSV text (header + one line per result, '\n' line ends).</summary>
    public static string Format(IEnumerable<FoldResult> results)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Columns)).Append('\n');
        foreach (var r in results)
        {
            string[] cells =
            [
                CsvFile.Field(r.Labels.Dataset), CsvFile.Field(r.Labels.Model), CsvFile.Field(r.Labels.CompressionMethod), Int(r.Fold),
                Num(r.R2Train), Num(r.MaeTrain), Num(r.RmseTrain), Num(r.R2Test), Num(r.MaeTest), Num(r.RmseTest),
                Num(r.RhoTrain), Num(r.RhoTest), Int(r.NonZeroCoefs), CsvFile.Field(r.Labels.Layer), Num(r.Alpha),
                Int(r.NTrain), Int(r.NTest), Num(r.FitSeconds), Int(r.SampleSize),
            ];
            sb.Append(string.Join(',', cells)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Writes the CSV atomically: to a temporary file beside <paramref name="path"/>, then renamed
    /// over it, so a failure never leaves a half-written results file.
    /// </summary>
    public static void Write(string path, IEnumerable<FoldResult> results) => AtomicFile.WriteAllText(path, Format(results));

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

}
