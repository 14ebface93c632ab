using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>
/// Evaluates a cell with <see cref="Evaluation.Run"/>, exactly as <c>plmkit evaluate</c> does: the
/// cell's regressor and scaling protocol, shuffled K-fold with the cell's seed, a learning curve
/// when the cell has a training size, or the cell's ProteinGym split.
/// </summary>
public sealed class CrossValidationEvaluator : ICellEvaluator
{
    /// <inheritdoc/>
    public IReadOnlyList<ResultRow> Evaluate(ExperimentCell cell, Assay assay, double[][] features)
    {
        var x = FeatureMatrix.Of(features, cell.ModelName, cell.Pool, cell.Set == FeatureSet.ZeroShot ? null : cell.Layer) with { Set = cell.Set };
        FoldScheme folds = cell.Split as FoldScheme ?? (cell.TrainSize is int size
            ? new FoldScheme.LearningCurve([size], cell.Repeats, cell.Folds, (uint)cell.Seed)
            : new FoldScheme.Shuffled(cell.Folds, (uint)cell.Seed));
        return Evaluation.Run(assay with { Name = cell.Dataset }, x, folds, cell.Protocol, cell.Regressor).Rows;
    }
}
