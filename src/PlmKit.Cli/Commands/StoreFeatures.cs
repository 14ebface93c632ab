using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;
using PlmKit.Embeddings.Store;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit evaluate --features store:DIR --model M --layer k --pool p</c>: features read from an embedding store.</summary>
internal static class StoreFeatures
{
    /// <summary>The assay's feature matrix (rows in assay order) and result labels from one stored group.</summary>
    /// <exception cref="ConfigurationException">--layer or --pool missing, or no/ambiguous group.</exception>
    /// <exception cref="InputException">No store there, or a sequence without a vector.</exception>
    public static (Matrix<double> X, ResultLabels Labels) Load(string dir, string? model, int? layer, string? pool, Assay assay)
    {
        if (layer is null || pool is null)
            throw new ConfigurationException("--features store:DIR needs --layer and --pool (and --model when the store holds several models).");
        using var store = EmbeddingStore.OpenExisting(dir);
        var group = store.FindGroups(model, [layer.Value], [pool]).Single();
        var rows = CsvDouble.Of(store.Features(group, assay.Ids(), assay.Records.Select(r => r.Sequence).ToList()));
        var x = Matrix<double>.Build.Dense(rows.Length, group.Dimension, (i, j) => rows[i][j]);
        return (x, new ResultLabels(assay.Name, group.ModelName, group.Pooling, group.Layer.ToString(CultureInfo.InvariantCulture)));
    }
}
