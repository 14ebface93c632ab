using System.Globalization;
using System.Text;
using PlmKit.Data;

namespace PlmKit.Experiments;

/// <summary>
/// One row of the tidy results table: one outer fold of one cell. Column names (and their
/// spelling, <c>nun_zero_coefs</c> included) are the study's, so its R code reads PlmKit's tables;
/// <c>Regressor</c> and <c>Protocol</c> are appended.
/// </summary>
public sealed record ExperimentResultRow(
    string Dataset, string Model, string Compression_method, int Fold,
    double R2_score_train, double MAE_score_train, double RMSE_score_train,
    double R2_score_test, double MAE_score_test, double RMSE_score_test,
    double rho_score_train, double rho_score_test, int nun_zero_coefs,
    int Layer, double alpha, int n_train, int n_test, double fit_seconds, int Sample_size,
    string Regressor, string Protocol)
{
    /// <summary>The CSV header, in column order.</summary>
    public const string Header =
        "Dataset,Model,Compression_method,Fold,R2_score_train,MAE_score_train,RMSE_score_train,R2_score_test,MAE_score_test,RMSE_score_test,"
        + "rho_score_train,rho_score_test,nun_zero_coefs,Layer,alpha,n_train,n_test,fit_seconds,Sample_size,Regressor,Protocol";

    /// <summary>The row as CSV (round-trip number formatting, fields quoted when needed).</summary>
    public string ToCsv()
    {
        static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return string.Join(',', CsvFile.Field(Dataset), CsvFile.Field(Model), CsvFile.Field(Compression_method), Fold, D(R2_score_train), D(MAE_score_train),
            D(RMSE_score_train), D(R2_score_test), D(MAE_score_test), D(RMSE_score_test), D(rho_score_train), D(rho_score_test),
            nun_zero_coefs, Layer, D(alpha), n_train, n_test, D(fit_seconds), Sample_size, CsvFile.Field(Regressor), CsvFile.Field(Protocol));
    }

    /// <summary>Writes rows to <paramref name="path"/> through a temporary file, so a crash never leaves half a table.</summary>
    public static void WriteCsv(string path, IEnumerable<ExperimentResultRow> rows)
    {
        AtomicFile.Write(path, tmp =>
        {
            using var w = new StreamWriter(tmp, false, new UTF8Encoding(false));
            w.Write(Header + "\n");
            foreach (var r in rows)
                w.Write(r.ToCsv() + "\n");
        });
    }
}
