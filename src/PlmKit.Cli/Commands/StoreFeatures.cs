using PlmKit.Data;
using PlmKit.Embeddings.Store;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit evaluate --features store:DIR --model M --layers k --pool p</c>: features read from an embedding store.</summary>
internal static class StoreFeatures
{
    /// <summary>The assay's feature matrix (rows in assay order) and result labels from one stored group.</summary>
    /// <exception cref="ConfigurationException">--layers or --pool missing, or no/ambiguous group.</exception>
    /// <exception cref="InputException">No store there, or a sequence without a vector.</exception>
    public static FeatureMatrix Load(string dir, string? model, int? layer, string? pool, Assay assay)
    {
        if (layer is null || pool is null)
            throw new ConfigurationException("--features store:DIR needs --layers and --pool (and --model when the store holds several models).");
        using var store = EmbeddingStore.OpenExisting(dir);
        var group = store.FindGroups(model, [layer.Value], [pool]).Single();
        var rows = CsvDouble.Of(store.Features(group, assay.Ids(), assay.Records.Select(r => r.Sequence).ToList()));
        return FeatureMatrix.Of(rows, group.ModelName, group.Pooling, group.Layer);
    }
}
