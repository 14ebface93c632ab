using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>Evaluates one experiment cell: fits and scores the regressor on the features under the protocol.</summary>
public interface ICellEvaluator
{
    /// <summary>
    /// Runs the cell's outer cross-validation. <paramref name="features"/>[i] is the vector of
    /// <paramref name="assay"/>.Records[i] (n × D, float64 as read from embed CSVs, see
    /// <see cref="Embeddings.Store.CsvDouble"/>). Returns one row per outer fold (per
    /// repeat for learning curves). Must be deterministic given the cell's seed and thread-safe:
    /// cells are evaluated in parallel.
    /// </summary>
    IReadOnlyList<ResultRow> Evaluate(ExperimentCell cell, Assay assay, double[][] features);
}
