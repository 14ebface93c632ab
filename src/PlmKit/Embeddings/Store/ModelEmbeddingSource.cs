using PlmKit.Models;

namespace PlmKit.Embeddings.Store;

/// <summary>
/// The embedder (<see cref="Embedder"/>) of any model family as an <see cref="IEmbeddingSource"/>,
/// so the store can sit in front of it. The model identity of the keys is the family and the
/// weights' SHA-256 (<c>esmc:9f2c…</c>): the same bytes read as another family would be another model.
/// </summary>
public sealed class ModelEmbeddingSource : IEmbeddingSource, IDisposable
{
    private readonly LoadedModel _loaded;
    private readonly EmbedDtype _dtype;
    private readonly LongSequencePolicy _policy;
    private readonly string _device;
    private readonly int _tokensPerBatch;
    private readonly int? _threads;

    private ModelEmbeddingSource(LoadedModel loaded, string weightsSha256, EmbedDtype dtype, LongSequencePolicy policy, string device, int tokensPerBatch, int? threads)
    {
        _loaded = loaded;
        WeightsSha256 = weightsSha256;
        ModelId = IdOf(loaded.Model.Info.Family, weightsSha256);
        _dtype = dtype;
        _policy = policy;
        _device = device;
        _tokensPerBatch = tokensPerBatch;
        _threads = threads;
    }

    /// <summary>
    /// Loads <paramref name="model"/> (zoo name, folder or weight file of any family, see
    /// <see cref="ModelZoo.Load"/>) and hashes its weight files (about 1 s per GB).
    /// </summary>
    /// <exception cref="ModelLoadException">Not found or damaged.</exception>
    /// <exception cref="ConfigurationException">Unknown dtype or policy.</exception>
    public static ModelEmbeddingSource Open(string model, EmbedSettings settings, int tokensPerBatch = Batching.DefaultTokensPerBatch, int? threads = null)
    {
        var dtype = settings.Dtype switch
        {
            "fp32" => EmbedDtype.Fp32,
            "bf16" => EmbedDtype.Bf16,
            _ => throw new ConfigurationException($"dtype '{settings.Dtype}' is not fp32 or bf16"),
        };
        var policy = settings.LongPolicy switch
        {
            "error" => LongSequencePolicy.Error,
            "truncate" => LongSequencePolicy.Truncate,
            "windows" => LongSequencePolicy.Windows,
            _ => throw new ConfigurationException($"long-sequence policy '{settings.LongPolicy}' is not error, truncate or windows"),
        };
        var loaded = ModelZoo.Load(model);
        var sha = loaded.ComputeWeightsSha256();
        return new ModelEmbeddingSource(loaded, sha, dtype, policy, settings.Device, tokensPerBatch, threads);
    }

    /// <summary>The store's model identity: <c>&lt;family&gt;:&lt;weights SHA-256&gt;</c>.</summary>
    public static string IdOf(string family, string weightsSha256) => $"{family}:{weightsSha256}";

    /// <summary>SHA-256 of the weight files (<see cref="LoadedModel.ComputeWeightsSha256"/>).</summary>
    public string WeightsSha256 { get; }

    /// <inheritdoc/>
    public string ModelId { get; }

    /// <inheritdoc/>
    public string ModelName => _loaded.Name;

    /// <inheritdoc/>
    public int LayerCount => _loaded.Model.Info.Layers;

    /// <inheritdoc/>
    public string LongPolicy => _policy.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public string Dtype => _dtype.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public string Device => TorchRuntime.ResolveDevice(_device).ToString();

    /// <summary>The loaded model (for manifests).</summary>
    public LoadedModel Loaded => _loaded;

    /// <inheritdoc/>
    public IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<string> pools)
    {
        var embedder = new Embedder(_loaded.Model, new EmbedderOptions(layers, pools, _tokensPerBatch, _policy, Dtype: _dtype, Device: _device, Threads: _threads));
        var result = new float[sequences.Count][][];
        var items = sequences.Select((s, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), s)).ToList();
        // Vectors come layer-major in the order asked for, the layout IEmbeddingSource promises.
        foreach (var e in embedder.Embed(items))
            result[e.Index] = e.Vectors.Select(v => v.Vector).ToArray();
        return result;
    }

    /// <inheritdoc/>
    public void Dispose() => _loaded.Model.Dispose();
}

/// <summary>Opens models of any family for experiments (<see cref="ModelEmbeddingSource.Open"/>).</summary>
/// <param name="tokensPerBatch">Token budget per forward batch.</param>
/// <param name="threads">Torch CPU threads, or null for torch's default.</param>
public sealed class ModelEmbeddingSourceFactory(int tokensPerBatch = Batching.DefaultTokensPerBatch, int? threads = null) : IEmbeddingSourceFactory
{
    /// <inheritdoc/>
    public IEmbeddingSource Open(string model, EmbedSettings settings) => ModelEmbeddingSource.Open(model, settings, tokensPerBatch, threads);
}
