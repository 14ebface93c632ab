using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>
/// Evaluates a cell the way <c>plmkit evaluate</c> does: LassoCV (the study's settings) or RidgeCV,
/// the cell's scaling protocol, shuffled K-fold with the cell's seed, or a learning curve when the
/// cell has a training size.
/// </summary>
public sealed class CrossValidationEvaluator : ICellEvaluator
{
    /// <inheritdoc/>
    public IReadOnlyList<ExperimentResultRow> Evaluate(ExperimentCell cell, Assay assay, double[][] features)
    {
        var x = Matrix<double>.Build.Dense(features.Length, features[0].Length, (i, j) => features[i][j]);
        var y = assay.Targets();
        var protocol = cell.Protocol == "paper" ? ScalingProtocol.Paper : ScalingProtocol.Default;
        IRegressor regressor = cell.Regressor == "ridge" ? new RidgeCV() : new LassoCV(LassoCVOptions.Study);
        var labels = new ResultLabels(cell.Dataset, cell.ModelName, cell.Pool, cell.Layer.ToString(CultureInfo.InvariantCulture));
        var results = cell.TrainSize is int size
            ? CrossValidation.LearningCurve(x, y, [size], cell.Repeats, cell.Folds, (uint)cell.Seed, protocol, regressor, labels)
            : CrossValidation.Run(x, y, OuterFolds.ShuffledKFold(assay.Count, cell.Folds, (uint)cell.Seed), protocol, regressor, labels);
        return results.Select(e => e.Result).Select(r => new ExperimentResultRow(
            cell.Dataset, cell.ModelName, cell.Pool, r.Fold, r.R2Train, r.MaeTrain, r.RmseTrain, r.R2Test, r.MaeTest, r.RmseTest,
            r.RhoTrain, r.RhoTest, r.NonZeroCoefs, cell.Layer, r.Alpha, r.NTrain, r.NTest, r.FitSeconds, r.SampleSize,
            cell.Regressor, cell.Protocol)).ToList();
    }
}
