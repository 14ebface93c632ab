using PlmKit.Data;

namespace PlmKit.Experiments;

/// <summary>Evaluates one experiment cell: fits and scores the regressor on the features under the protocol.</summary>
public interface ICellEvaluator
{
    /// <summary>
    /// Runs the cell's outer cross-validation. <paramref name="features"/>[i] is the vector of
    /// <paramref name="assay"/>.Records[i] (n × D, float32). Returns one row per outer fold (per
    /// repeat for learning curves). Must be deterministic given the cell's seed and thread-safe:
    /// cells are evaluated in parallel.
    /// </summary>
    IReadOnlyList<ExperimentResultRow> Evaluate(ExperimentCell cell, Assay assay, float[][] features);
}
