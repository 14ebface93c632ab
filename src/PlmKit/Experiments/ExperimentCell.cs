using System.Security.Cryptography;
using System.Text;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>
/// One cell of an experiment grid: a dataset, a model's layer and pooling, a regressor, a protocol
/// and (for learning curves) a training-set size. Its <see cref="Key"/> addresses its cached results.
/// </summary>
/// <param name="Dataset">Dataset name (results' <c>Dataset</c>).</param>
/// <param name="DatasetSha256">SHA-256 of the dataset file(s): a changed file is a new cell.</param>
/// <param name="Model">Model as the experiment names it (zoo name or path).</param>
/// <param name="ModelName">Model name for the results' <c>Model</c> column.</param>
/// <param name="ModelId">Weights identity (SHA-256 or hub revision).</param>
/// <param name="Layer">Layer (resolved, ≥ 0).</param>
/// <param name="Pool">Pooling method.</param>
/// <param name="Regressor">The regressor and its settings.</param>
/// <param name="Protocol">The scaling protocol.</param>
/// <param name="TrainSize">Training rows per fold for a learning curve, or null for all.</param>
/// <param name="Folds">Outer folds K.</param>
/// <param name="Seed">Seed of folds and subsampling.</param>
/// <param name="Repeats">Subsamples per training size (learning curves; 1 otherwise).</param>
/// <param name="LongPolicy">Long-sequence policy of the embeddings.</param>
/// <param name="Dtype">Dtype of the embeddings.</param>
public sealed record ExperimentCell(
    string Dataset, string DatasetSha256, string Model, string ModelName, string ModelId, int Layer, string Pool,
    RegressorSpec Regressor, ScalingProtocol Protocol, int? TrainSize, int Folds, int Seed, int Repeats, string LongPolicy, string Dtype)
{
    /// <summary>
    /// SHA-256 over everything that determines the cell's numbers (not the display names), so a
    /// renamed dataset or model reuses its cells and a changed file or setting does not. The
    /// regressor's key names LassoCV settings only where they differ from the study's, so cells
    /// cached before those settings could be changed keep their keys.
    /// </summary>
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"cell/v1|{DatasetSha256}|{ModelId}|{LongPolicy}|{Dtype}|{Layer}|{Pool}|{Regressor.Key}|{Protocol.Key()}|{TrainSize?.ToString() ?? "all"}|{Folds}|{Seed}|{Repeats}"
        + (Split is null ? "" : $"|{Split.Key}")
        + (Set == FeatureSet.Plain ? "" : $"|{Set.Key()}|{ScoresSha256}"))));

    /// <summary>The feature set: the embedding alone (plain), with the zero-shot score appended (augmented), or the score alone (zero-shot; then the cell has no model, layer or pooling).</summary>
    public FeatureSet Set { get; init; } = FeatureSet.Plain;

    /// <summary>SHA-256 of the zero-shot scores file of a zero-shot or augmented cell, else null.</summary>
    public string? ScoresSha256 { get; init; }

    /// <summary>ProteinGym's split scheme when the experiment names one (<c>"folds": "proteingym-modulo"</c>), else null: shuffled K-fold.</summary>
    public FoldScheme.ProteinGym? Split { get; init; }

    /// <summary>
    /// The unit of sharding: every cell of one dataset and one model goes to the same shard, so
    /// that model embeds that dataset once. Uses the model as written in the experiment, so shards
    /// agree before any model is opened.
    /// </summary>
    public static string ShardUnit(string datasetSha256, string model) => $"{datasetSha256}|{model}";
}
