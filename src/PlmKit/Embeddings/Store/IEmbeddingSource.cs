namespace PlmKit.Embeddings.Store;

/// <summary>
/// Anything that turns sequences into pooled vectors: a model of any family, or a test double.
/// <see cref="StoredEmbedder"/> puts a store in front of it so only missing vectors are computed.
/// </summary>
public interface IEmbeddingSource
{
    /// <summary>Model identity for keys: family and weights SHA-256 (<c>esm2:…</c>) or a hub revision (<see cref="EmbeddingKey.Model"/>).</summary>
    string ModelId { get; }

    /// <summary>Human-readable model name (zoo name or folder) for listings.</summary>
    string ModelName { get; }

    /// <summary>Number of transformer layers L (valid layers are 0 … L; negative requests count back from L).</summary>
    int LayerCount { get; }

    /// <summary>Canonical key of the long-sequence policy the source applies (<see cref="LongSequencePolicies.Key"/>: <c>error</c>, <c>truncate</c>, <c>windows</c>).</summary>
    string LongPolicy { get; }

    /// <summary>Canonical key of the compute dtype (<see cref="EmbedDtypes.Key"/>: <c>fp32</c>, <c>bf16</c>).</summary>
    string Dtype { get; }

    /// <summary>Device the source computes on, for provenance (<c>cpu</c>, <c>cuda:0</c>).</summary>
    string Device { get; }

    /// <summary>
    /// Embeds <paramref name="sequences"/> and pools them. Result[s][l·P + p] is the vector of
    /// sequence s at layer <paramref name="layers"/>[l] pooled with <paramref name="pools"/>[p]
    /// (P = pools.Count). A sequence's vectors must not depend on which other sequences share its
    /// call, so resumed runs give the same vectors as uninterrupted ones.
    /// </summary>
    IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<IPooling> pools);
}

/// <summary>How a job or an experiment asks for embeddings: dtype, long-sequence policy and device, parsed once at the edge.</summary>
/// <param name="Dtype">Forward-pass precision (<see cref="EmbedDtypes.Parse"/>).</param>
/// <param name="LongPolicy">Policy for sequences over the family's limit (<see cref="LongSequencePolicies.Parse"/>).</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</param>
/// <param name="MaxMemoryBytes">Memory budget of the run in bytes (<see cref="MemoryPlanner.ParseSize"/>): a model that does not fit it runs
/// layer-streamed (<see cref="MemoryPlanner"/>); null: the memory available when the model is opened. Not part of store keys (outputs do not depend on it).</param>
public sealed record EmbedSettings(EmbedDtype Dtype = EmbedDtype.Fp32, LongSequencePolicy LongPolicy = LongSequencePolicies.Default, string Device = "auto",
    long? MaxMemoryBytes = null);

/// <summary>Opens models by name (zoo name, folder, checkpoint) as embedding sources.</summary>
public interface IEmbeddingSourceFactory
{
    /// <summary>
    /// Opens <paramref name="model"/>. Implementations should defer loading weights to the first
    /// <see cref="IEmbeddingSource.Embed"/>, so a fully cached re-run never loads them. A source that is
    /// <see cref="IDisposable"/> is disposed by the caller when done.
    /// </summary>
    /// <exception cref="ModelLoadException">The model cannot be found or identified.</exception>
    IEmbeddingSource Open(string model, EmbedSettings settings);
}
