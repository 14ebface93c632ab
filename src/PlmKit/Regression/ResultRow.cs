namespace PlmKit.Regression;

/// <summary>
/// One row of every results table PlmKit writes (<c>plmkit evaluate</c>, <c>plmkit run</c>): one
/// outer fold (per subsample for learning curves). Column names, <c>nun_zero_coefs</c> included, are
/// the study's, so its R code reads PlmKit's tables; <c>Regressor</c> and <c>Protocol</c> (the
/// canonical keys of <see cref="RegressorSpec"/> and <see cref="ScalingProtocols"/>) are appended,
/// then the metrics the study did not report: <c>MSE_score_train</c>, <c>MSE_score_test</c> (with
/// R², MAE and Spearman ρ, ProteinGym's supervised metrics), and <c>Feature_set</c>
/// (<see cref="FeatureSets"/>: <c>plain</c>, <c>zero-shot</c> or <c>augmented</c>).
/// Written through <see cref="CsvFile"/>: NaN is an empty cell, and so is <c>Layer</c> when the
/// features have no layer (one-hot, composition, a plain feature CSV).
/// </summary>
public sealed record ResultRow(
    string Dataset, string Model, string Compression_method, int Fold,
    double R2_score_train, double MAE_score_train, double RMSE_score_train,
    double R2_score_test, double MAE_score_test, double RMSE_score_test,
    double rho_score_train, double rho_score_test, int nun_zero_coefs,
    int? Layer, double alpha, int n_train, int n_test, double fit_seconds, int Sample_size,
    string Regressor, string Protocol,
    double MSE_score_train, double MSE_score_test, string Feature_set)
{
    /// <summary>The header, in column order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "Dataset", "Model", "Compression_method", "Fold", "R2_score_train", "MAE_score_train", "RMSE_score_train",
        "R2_score_test", "MAE_score_test", "RMSE_score_test", "rho_score_train", "rho_score_test", "nun_zero_coefs",
        "Layer", "alpha", "n_train", "n_test", "fit_seconds", "Sample_size", "Regressor", "Protocol",
        "MSE_score_train", "MSE_score_test", "Feature_set",
    ];

    /// <summary>The row's cells, in <see cref="Columns"/> order.</summary>
    public IReadOnlyList<object?> Cells() =>
    [
        Dataset, Model, Compression_method, Fold, R2_score_train, MAE_score_train, RMSE_score_train,
        R2_score_test, MAE_score_test, RMSE_score_test, rho_score_train, rho_score_test, nun_zero_coefs,
        Layer, alpha, n_train, n_test, fit_seconds, Sample_size, Regressor, Protocol,
        MSE_score_train, MSE_score_test, Feature_set,
    ];

    /// <summary>Writes <paramref name="rows"/> as one table, atomically (see <see cref="CsvFile.Write(string, IReadOnlyList{string}, IEnumerable{IReadOnlyList{object}})"/>).</summary>
    public static void Write(string path, IEnumerable<ResultRow> rows) => CsvFile.Write(path, Columns, rows.Select(r => r.Cells()));
}
