using PlmKit.Models;

namespace PlmKit.Embeddings.Store;

/// <summary>
/// The ESM embedder (<see cref="Embedder"/>) as an <see cref="IEmbeddingSource"/>, so the store
/// can sit in front of it. The weights' SHA-256 is the model identity of the keys.
/// </summary>
public sealed class EsmEmbeddingSource : IEmbeddingSource, IDisposable
{
    private readonly LoadedEsm _loaded;
    private readonly EmbedDtype _dtype;
    private readonly LongSequencePolicy _policy;
    private readonly string _device;
    private readonly int _tokensPerBatch;
    private readonly int? _threads;

    private EsmEmbeddingSource(LoadedEsm loaded, string modelId, EmbedDtype dtype, LongSequencePolicy policy, string device, int tokensPerBatch, int? threads)
    {
        _loaded = loaded;
        ModelId = modelId;
        _dtype = dtype;
        _policy = policy;
        _device = device;
        _tokensPerBatch = tokensPerBatch;
        _threads = threads;
    }

    /// <summary>
    /// Loads <paramref name="model"/> (zoo name, Hugging Face folder or fair-esm <c>.pt</c>) and hashes its
    /// weight files (about 1 s per GB).
    /// </summary>
    /// <exception cref="ModelLoadException">Not found or damaged.</exception>
    /// <exception cref="ConfigurationException">Unknown dtype or policy.</exception>
    public static EsmEmbeddingSource Open(string model, EmbedSettings settings, int tokensPerBatch = Batching.DefaultTokensPerBatch, int? threads = null)
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
        var loaded = EsmCheckpoint.Load(ModelZoo.Resolve(model));
        return new EsmEmbeddingSource(loaded, loaded.ComputeWeightsSha256(), dtype, policy, settings.Device, tokensPerBatch, threads);
    }

    /// <inheritdoc/>
    public string ModelId { get; }

    /// <inheritdoc/>
    public string ModelName => _loaded.Name;

    /// <inheritdoc/>
    public int LayerCount => _loaded.Model.Config.Layers;

    /// <inheritdoc/>
    public string LongPolicy => _policy.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public string Dtype => _dtype.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public string Device => TorchRuntime.ResolveDevice(_device).ToString();

    /// <summary>The loaded model (for manifests).</summary>
    public LoadedEsm Loaded => _loaded;

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

/// <summary>Opens ESM models for experiments (<see cref="EsmEmbeddingSource.Open"/>).</summary>
/// <param name="tokensPerBatch">Token budget per forward batch.</param>
/// <param name="threads">Torch CPU threads, or null for torch's default.</param>
public sealed class EsmEmbeddingSourceFactory(int tokensPerBatch = Batching.DefaultTokensPerBatch, int? threads = null) : IEmbeddingSourceFactory
{
    /// <inheritdoc/>
    public IEmbeddingSource Open(string model, EmbedSettings settings) => EsmEmbeddingSource.Open(model, settings, tokensPerBatch, threads);
}
