using System.Collections.Immutable;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>An assay's feature matrix (rows in assay order) and the labels its result rows carry.</summary>
/// <param name="X">n_rows × n_features, unscaled.</param>
/// <param name="Model">The results' <c>Model</c>.</param>
/// <param name="CompressionMethod">The results' <c>Compression_method</c> (pooling), empty when none.</param>
/// <param name="Layer">The results' <c>Layer</c>, null when the features have none.</param>
/// <param name="Sources">Files the features were read from (for manifests).</param>
public sealed record FeatureMatrix(Matrix<double> X, string Model, string CompressionMethod, int? Layer, ImmutableArray<string> Sources)
{
    /// <summary>Which feature set this is (the results' <c>Feature_set</c>): plain features, a zero-shot score alone, or features augmented with it.</summary>
    public FeatureSet Set { get; init; } = FeatureSet.Plain;

    /// <summary>Features from one vector per record (e.g. an embedding store's group).</summary>
    public static FeatureMatrix Of(double[][] rows, string model, string compressionMethod, int? layer) =>
        new(Matrix<double>.Build.Dense(rows.Length, rows.Length == 0 ? 0 : rows[0].Length, (i, j) => rows[i][j]), model, compressionMethod, layer, []);

    /// <summary>
    /// The features <paramref name="spec"/> names for <paramref name="assay"/>: <c>onehot</c>,
    /// <c>composition</c>, a <c>plmkit embed</c> output folder (file <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c>,
    /// chosen by <paramref name="layer"/> and <paramref name="pool"/>; the folder name is the model), or a
    /// CSV <c>id,f1,f2,…</c> (its file name is the model). Rows are joined on the assay's ids.
    /// </summary>
    /// <exception cref="ConfigurationException">Nothing by that name, or a layer/pool given where none applies.</exception>
    /// <exception cref="InputException">A feature file that does not cover the assay (see <see cref="FeatureTables.JoinCsv"/>).</exception>
    public static FeatureMatrix Load(string spec, int? layer, string? pool, Assay assay)
    {
        if (spec is "onehot" or "composition")
        {
            if (layer is not null || pool is not null) throw new ConfigurationException($"--layers and --pool apply to embedding folders, not to --features {spec}");
            var values = spec == "onehot" ? BaselineFeatures.OneHot(assay) : BaselineFeatures.Composition(assay);
            return new(Matrix<double>.Build.DenseOfArray(values), spec, "", null, []);
        }
        if (Directory.Exists(spec))
        {
            var file = FeatureTables.EmbedFile(spec, layer, pool);
            // The file name layer<k>.<pool>.csv gives the Layer and Compression_method columns.
            var parts = Path.GetFileNameWithoutExtension(file).Split('.', 2);
            int? fileLayer = int.TryParse(parts[0].AsSpan("layer".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) ? k : null;
            var model = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec)));
            return new(FeatureTables.JoinCsv(file, assay.Ids()), model, parts.Length > 1 ? parts[1] : "", fileLayer, [Path.GetFullPath(file)]);
        }
        if (File.Exists(spec))
        {
            if (layer is not null || pool is not null) throw new ConfigurationException("--layers and --pool apply to embedding folders, not to a feature CSV");
            return new(FeatureTables.JoinCsv(spec, assay.Ids()), Path.GetFileNameWithoutExtension(spec), "", null, [Path.GetFullPath(spec)]);
        }
        throw new ConfigurationException($"--features {spec}: not onehot, composition, an existing folder or an existing CSV file");
    }
}

/// <summary>What <see cref="Evaluation.Run"/> produced.</summary>
/// <param name="Folds">Per outer fold (per subsample for learning curves): the row, the fitted model and the test predictions.</param>
/// <param name="Description">The fold scheme, in words (<see cref="FoldScheme.Key"/>).</param>
public sealed record EvaluationResult(ImmutableArray<FoldEvaluation> Folds, string Description)
{
    /// <summary>The result rows, in fold order.</summary>
    public ImmutableArray<ResultRow> Rows => [.. Folds.Select(f => f.Result)];
}

/// <summary>
/// The one evaluation pipeline: an assay's targets regressed on its features under a fold scheme, a
/// scaling protocol and a regressor, giving the study's result rows. <c>plmkit evaluate</c>, the
/// cells of <c>plmkit run</c> and the notebooks all call <see cref="Run"/>, so they write the same
/// rows for the same settings.
/// </summary>
public static class Evaluation
{
    /// <summary>Evaluates <paramref name="features"/> against <paramref name="assay"/>'s targets.</summary>
    /// <exception cref="InputException">Too few rows for the folds, or fold labels that do not cover the assay.</exception>
    /// <exception cref="ConfigurationException">Folds that leave too few training rows, or learning-curve sizes out of range.</exception>
    public static EvaluationResult Run(Assay assay, FeatureMatrix features, FoldScheme folds, ScalingProtocol protocol, RegressorSpec regressor)
    {
        if (features.X.RowCount != assay.Count)
            throw new ArgumentException($"the features have {features.X.RowCount} rows but {assay.Name} has {assay.Count} records", nameof(features));
        if (assay.Count < folds.MinRows)
            throw new InputException(assay.SourcePath, null, $"{assay.Count} rows are too few for this cross-validation (at least {folds.MinRows}).");
        var labels = new ResultLabels(assay.Name, features.Model, features.CompressionMethod, features.Layer) { Set = features.Set };
        var y = assay.Targets();
        var model = regressor.Create();
        if (folds is FoldScheme.LearningCurve c)
            return new EvaluationResult([.. CrossValidation.LearningCurve(features.X, y, c.Sizes, c.Repeats, c.K, c.Seed, protocol, model, labels)], folds.Key);
        var assignment = folds.Assign(assay);
        // ProteinGym's folds say whether they came from the file or were generated.
        var description = folds is FoldScheme.ProteinGym ? assignment.Description : folds.Key;
        return new EvaluationResult([.. CrossValidation.Run(features.X, y, assignment, protocol, model, labels)], description);
    }
}
