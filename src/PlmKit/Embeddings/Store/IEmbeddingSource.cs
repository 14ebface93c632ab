namespace PlmKit.Embeddings.Store;

/// <summary>
/// Anything that turns sequences into pooled vectors: the ESM-2 embedder, or a test double.
/// <see cref="StoredEmbedder"/> puts a store in front of it so only missing vectors are computed.
/// </summary>
public interface IEmbeddingSource
{
    /// <summary>Weights identity for keys: SHA-256 of the weights or a hub revision (<see cref="EmbeddingKey.Model"/>).</summary>
    string ModelId { get; }

    /// <summary>Human-readable model name (zoo name or folder) for listings.</summary>
    string ModelName { get; }

    /// <summary>Long-sequence policy the source applies (<c>error</c>, <c>truncate</c>, <c>windows</c>).</summary>
    string LongPolicy { get; }

    /// <summary>Compute dtype (<c>fp32</c>, <c>bf16</c>).</summary>
    string Dtype { get; }

    /// <summary>Device the source computes on, for provenance (<c>cpu</c>, <c>cuda:0</c>).</summary>
    string Device { get; }

    /// <summary>
    /// Embeds <paramref name="sequences"/> and pools them. Result[s][l·P + p] is the vector of
    /// sequence s at layer <paramref name="layers"/>[l] pooled with <paramref name="pools"/>[p]
    /// (P = pools.Count). A sequence's vectors must not depend on which other sequences share its
    /// call, so resumed runs give the same vectors as uninterrupted ones.
    /// </summary>
    IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<string> pools);
}
