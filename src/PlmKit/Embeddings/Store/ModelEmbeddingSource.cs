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

    private readonly long? _maxMemory;
    private readonly FreeMemory? _free;
    private readonly WeightSizes? _sizes;
    private readonly long _longest;

    private ModelEmbeddingSource(LoadedModel loaded, string weightsSha256, EmbedDtype dtype, LongSequencePolicy policy, string device, int tokensPerBatch, int? threads,
        long? maxMemory, FreeMemory? free, WeightSizes? sizes, MemoryPlan plan, long longest)
    {
        _free = free;
        _longest = longest;
        _maxMemory = maxMemory;
        _sizes = sizes;
        Plan = plan;
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
    /// <param name="model">Zoo name, folder or weight file.</param>
    /// <param name="settings">Dtype, long-sequence policy, device.</param>
    /// <param name="tokensPerBatch">Token budget per forward batch.</param>
    /// <param name="threads">Torch CPU threads, or null.</param>
    /// <param name="adapter">A LoRA checkpoint to merge into the weights (its bytes join the weights' hash, so the store keeps fine-tuned vectors apart), or null.</param>
    /// <param name="longestTokens">Tokens of the longest input when known (sizes attention's working memory in the memory plan), else null for a whole batch.</param>
    /// <param name="pooledLayers">Given the model's layer count, how many layers will be pooled (their states are held until pooling, so the
    /// memory plan counts them before choosing the mode); null: one.</param>
    /// <exception cref="ModelLoadException">Not found or damaged.</exception>
    /// <exception cref="ConfigurationException">The memory budget is below what even layer streaming needs.</exception>
    public static ModelEmbeddingSource Open(string model, EmbedSettings settings, int tokensPerBatch = Batching.DefaultTokensPerBatch, int? threads = null,
        string? adapter = null, long? longestTokens = null, Func<int, int>? pooledLayers = null)
    {
        if (adapter is not null && settings.MaxMemoryBytes is not null)
            throw new ConfigurationException("--max-memory does not combine with --adapter: merging LoRA adapters needs the float32 weights in memory");
        long longest = Math.Min(longestTokens ?? tokensPerBatch, tokensPerBatch);
        // Weights are read straight into the compute dtype and device (no float32 copy of a bfloat16
        // model); the mode is chosen from the files' headers before any weight is read. The batch's
        // longest input is not known yet: attention's working memory is sized for the whole batch.
        WeightSizes? sizes = null;
        MemoryPlan? plan = null;
        var device = TorchRuntime.ResolveDevice(settings.Device);
        // Measured once, before any weight is read: on a GPU the device's free memory is the limit.
        var free = settings.MaxMemoryBytes is null ? FreeMemory.Of(device.type, device.index) : null;
        var options = new LoadOptions
        {
            Dtype = settings.Dtype.ScalarType(),
            Device = device,
            StreamBlocks = s =>
            {
                sizes = s;
                plan = MemoryPlanner.Choose(s, settings.MaxMemoryBytes, tokensPerBatch, longest, pooledLayers?.Invoke(s.Blocks) ?? 1, free);
                return plan.Streamed;
            },
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var loaded = ModelZoo.Load(model, adapter: adapter, options: options);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        // A LoRA merge loads float32 weights in memory, without asking.
        plan ??= new MemoryPlan(false, "a LoRA adapter is merged into float32 weights held in memory", 0, tokensPerBatch, settings.MaxMemoryBytes);
        clock.Restart();
        var sha = loaded.ComputeWeightsSha256();
        return new ModelEmbeddingSource(loaded, sha, settings.Dtype, settings.LongPolicy, settings.Device, tokensPerBatch, threads, settings.MaxMemoryBytes, free, sizes, plan, longest)
        {
            LoadSeconds = loadSeconds,
            HashSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>The store's model identity: <c>&lt;family&gt;:&lt;weights SHA-256&gt;</c>.</summary>
    public static string IdOf(string family, string weightsSha256) => $"{family}:{weightsSha256}";

    /// <summary>Wall seconds <see cref="Open"/> spent reading the weights into the model (streamed: the resident part only).</summary>
    public double LoadSeconds { get; private init; }

    /// <summary>Wall seconds <see cref="Open"/> spent hashing the weight files for the store's model id.</summary>
    public double HashSeconds { get; private init; }

    /// <summary>SHA-256 of the weight files (<see cref="LoadedModel.ComputeWeightsSha256"/>).</summary>
    public string WeightsSha256 { get; }

    /// <inheritdoc/>
    public string ModelId { get; }

    /// <inheritdoc/>
    public string ModelName => _loaded.Name;

    /// <inheritdoc/>
    public int LayerCount => _loaded.Model.Info.Layers;

    /// <inheritdoc/>
    public string LongPolicy => _policy.Key();

    /// <inheritdoc/>
    public string Dtype => _dtype.Key();

    /// <inheritdoc/>
    public string Device => TorchRuntime.ResolveDevice(_device).ToString();

    /// <summary>The memory mode chosen when the model was opened; <see cref="CreateEmbedder"/> sizes streamed chunks for the layers asked for.</summary>
    public MemoryPlan Plan { get; private set; }

    /// <summary>Weight sizes in the compute dtype, from the files' headers (null after a LoRA merge).</summary>
    public WeightSizes? Sizes => _sizes;

    /// <summary>Told (block, blocks) as a streamed chunk passes each block (<see cref="Embedder.LayerDone"/>).</summary>
    public Action<int, int>? LayerDone { get; set; }

    /// <summary>The loaded model (for manifests).</summary>
    public LoadedModel Loaded => _loaded;

    /// <summary>Also compute per-residue states, handed to <see cref="Embedded"/> (the vectors returned are unchanged).</summary>
    public bool PerToken { get; set; }

    /// <summary>
    /// Called with each protein as it is embedded (processing order), for progress, per-residue
    /// output and per-sequence manifest details, with its sequence.
    /// </summary>
    public Action<ProteinEmbedding, string>? Embedded { get; set; }

    /// <summary>
    /// An embedder with this source's settings (model moved to its device and dtype): for
    /// <see cref="Embedder.Check"/> before any work, <see cref="Embedder.MaxResidues"/> and token counts.
    /// </summary>
    /// <exception cref="ConfigurationException">Layers out of range, a pooling that cannot work at this width, bad device or threads.</exception>
    public Embedder CreateEmbedder(IReadOnlyList<int> layers, IReadOnlyList<IPooling> pools)
    {
        // Streamed: the chunk holds the states of every pooled layer until pooling.
        if (Plan.Streamed && _sizes is not null)
            Plan = MemoryPlanner.Choose(_sizes, _maxMemory, _tokensPerBatch, _longest, layers.Count, _free) is { Streamed: true } p ? p : Plan;
        return new(_loaded.Model, new EmbedderOptions(layers, pools, Plan.TokensPerBatch ?? _tokensPerBatch, _policy, Dtype: _dtype, Device: _device, Threads: _threads, PerToken: PerToken,
            ChunkTokens: Plan.Streamed ? Plan.ChunkTokens : null)) { LayerDone = LayerDone };
    }

    /// <inheritdoc/>
    public IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<IPooling> pools)
    {
        var embedder = CreateEmbedder(layers, pools);
        var result = new float[sequences.Count][][];
        var items = sequences.Select((s, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), s)).ToList();
        // Vectors come layer-major in the order asked for, the layout IEmbeddingSource promises.
        foreach (var e in embedder.Embed(items))
        {
            result[e.Index] = e.Vectors.Select(v => v.Vector).ToArray();
            Embedded?.Invoke(e, sequences[e.Index]);
        }
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
