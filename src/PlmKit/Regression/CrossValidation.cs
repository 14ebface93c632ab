using System.Collections.Immutable;
using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Regression;

/// <summary>Where the MinMax scaler of the features is fitted.</summary>
public enum ScalingProtocol
{
    /// <summary>
    /// The study's protocol: <c>MinMaxScaler((0, 1))</c> fitted on all rows before the outer split,
    /// so test rows influence the scaling of training rows (a mild leak).
    /// </summary>
    Paper,

    /// <summary>Leakage-free: the scaler is fitted on each fold's training rows only.</summary>
    Default,
}

/// <summary>Labels written with every result row (the study's table columns).</summary>
/// <param name="Dataset">Dataset name (<c>Dataset</c>).</param>
/// <param name="Model">Feature source (<c>Model</c>): e.g. <c>esm2_t6_8M</c>, <c>onehot</c>.</param>
/// <param name="CompressionMethod">Pooling (<c>Compression_method</c>): e.g. <c>mean</c>; empty for baselines.</param>
/// <param name="Layer">Representation layer (<c>Layer</c>), null when not applicable.</param>
public sealed record ResultLabels(string Dataset, string Model, string CompressionMethod, int? Layer)
{
    /// <summary>The feature set (<c>Feature_set</c>), plain unless a zero-shot score is in the features.</summary>
    public FeatureSet Set { get; init; } = FeatureSet.Plain;
}

/// <summary>One fold's result with the fitted model and its test predictions.</summary>
/// <param name="Result">The result row (metrics and labels).</param>
/// <param name="Model">The fitted regressor.</param>
/// <param name="TestRows">Test rows as indices into the X given to the evaluation, ascending; for a learning curve, rows of the full data in subsample order.</param>
/// <param name="TestPredictions">Predictions for <paramref name="TestRows"/>.</param>
public sealed record FoldEvaluation(ResultRow Result, IRegressionModel Model, ImmutableArray<int> TestRows, ImmutableArray<double> TestPredictions);

/// <summary>Outer cross-validation of a regressor under a scaling protocol, and learning curves.</summary>
public static class CrossValidation
{
    /// <summary>Fewest training rows an outer fold may leave (two per inner fold of a 5-fold CV).</summary>
    public const int MinTrainRows = 10;

    /// <summary>
    /// Evaluates <paramref name="regressor"/> on every fold (or the listed 0-based folds).
    /// </summary>
    /// <param name="x">Features, n_rows × n_features (unscaled).</param>
    /// <param name="y">Targets, length n_rows.</param>
    /// <param name="folds">Outer folds over the n_rows rows.</param>
    /// <param name="protocol">Where the MinMax scaler is fitted.</param>
    /// <param name="regressor">Regressor (fitted anew per fold).</param>
    /// <param name="labels">Labels for the result rows.</param>
    /// <param name="onlyFolds">0-based folds to run, or null for all.</param>
    public static IReadOnlyList<FoldEvaluation> Run(Matrix<double> x, IReadOnlyList<double> y, FoldAssignment folds,
        ScalingProtocol protocol, IRegressor regressor, ResultLabels labels, IEnumerable<int>? onlyFolds = null)
    {
        if (x.RowCount != y.Count || folds.FoldOfRow.Length != y.Count)
            throw new ArgumentException($"X has {x.RowCount} rows, y {y.Count} values and the folds {folds.FoldOfRow.Length} rows.");
        var paperScaler = protocol == ScalingProtocol.Paper ? MinMaxScaler.Fit(x) : null;
        var results = new List<FoldEvaluation>();
        foreach (var k in onlyFolds ?? Enumerable.Range(0, folds.FoldCount))
        {
            var train = folds.TrainRows(k);
            var test = folds.TestRows(k);
            if (train.Length < MinTrainRows)
                throw new ConfigurationException(
                    $"fold {k + 1} ({folds.Description}) leaves {train.Length} training rows; at least {MinTrainRows} are needed (LassoCV's inner 5-fold CV).");
            var clock = Stopwatch.StartNew();
            var scaler = paperScaler ?? MinMaxScaler.Fit(x, train);
            var xTrain = scaler.Transform(x, train);
            var xTest = scaler.Transform(x, test);
            var yTrain = train.Select(i => y[i]).ToArray();
            var yTest = test.Select(i => y[i]).ToArray();
            var model = regressor.Fit(xTrain, yTrain);
            var seconds = clock.Elapsed.TotalSeconds;
            var predTrain = model.Predict(xTrain);
            var predTest = model.Predict(xTest);
            var result = new ResultRow(labels.Dataset, labels.Model, labels.CompressionMethod, k + 1,
                Metrics.R2(yTrain, predTrain), Metrics.Mae(yTrain, predTrain), Metrics.Rmse(yTrain, predTrain),
                Metrics.R2(yTest, predTest), Metrics.Mae(yTest, predTest), Metrics.Rmse(yTest, predTest),
                Metrics.Spearman(yTrain, predTrain), Metrics.Spearman(yTest, predTest), model.NonZeroCount,
                labels.Layer, model.Alpha, train.Length, test.Length, seconds, y.Count, regressor.Name, protocol.Key(),
                Metrics.Mse(yTrain, predTrain), Metrics.Mse(yTest, predTest), labels.Set.Key());
            results.Add(new FoldEvaluation(result, model, test.ToImmutableArray(), predTest.ToImmutableArray()));
        }
        return results;
    }

    /// <summary>
    /// Learning curve as the study's sampling experiment (SWAT <c>reg_LassoCV_sampling.py</c>):
    /// for each size s and repeat r, the subsample pandas' <c>sample(n=s, random_state=seed + r)</c>
    /// draws (the first s rows of numpy <c>RandomState(seed + r).permutation(n)</c>, in that
    /// order), scaled and evaluated by shuffled K-fold (seed <paramref name="seed"/>) like any
    /// data set; each result row carries <c>Sample_size = s</c>. With one repeat and seed 42
    /// these are the study's subsamples and folds.
    /// </summary>
    /// <exception cref="ConfigurationException">A size larger than the data or too small for the folds.</exception>
    public static IReadOnlyList<FoldEvaluation> LearningCurve(Matrix<double> x, IReadOnlyList<double> y, IReadOnlyList<int> sizes,
        int repeats, int k, uint seed, ScalingProtocol protocol, IRegressor regressor, ResultLabels labels)
    {
        if (repeats < 1) throw new ConfigurationException($"repeats must be at least 1, got {repeats}.");
        // Smallest s whose K-fold leaves MinTrainRows training rows in every fold: s − ceil(s/k) ≥ MinTrainRows.
        var minSize = k;
        while (minSize - (minSize + k - 1) / k < MinTrainRows) minSize++;
        foreach (var s in sizes)
            if (s > y.Count || s < minSize)
                throw new ConfigurationException(
                    $"train size {s} is outside [{minSize}, {y.Count}] (every one of the {k} folds needs {MinTrainRows} training rows; at most all {y.Count} rows).");
        var results = new List<FoldEvaluation>();
        foreach (var s in sizes)
            for (var r = 0; r < repeats; r++)
            {
                var perm = Enumerable.Range(0, y.Count).ToArray();
                new NumpyRandomState(seed + (uint)r).Shuffle(perm);
                var rows = perm.Take(s).ToArray();
                var xs = Matrix<double>.Build.Dense(s, x.ColumnCount, (i, j) => x[rows[i], j]);
                var ys = rows.Select(i => y[i]).ToArray();
                // Test rows are reported as rows of the full data.
                foreach (var e in Run(xs, ys, OuterFolds.ShuffledKFold(s, k, seed), protocol, regressor, labels))
                    results.Add(e with { TestRows = e.TestRows.Select(i => rows[i]).ToImmutableArray() });
            }
        return results;
    }
}
