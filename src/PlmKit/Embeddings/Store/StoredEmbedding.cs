namespace PlmKit.Embeddings.Store;

/// <summary>Where and how a stored vector was computed.</summary>
/// <param name="PlmKitVersion">PlmKit version that computed it.</param>
/// <param name="Device">Device it ran on (<c>cpu</c>, <c>cuda:0</c>, ...).</param>
/// <param name="Seconds">Compute time attributed to this vector (its batch's time divided evenly), seconds.</param>
/// <param name="CreatedUtc">When it was committed, UTC.</param>
/// <param name="ModelName">Human-readable model name (zoo name or folder), for listings only; not part of the key.</param>
public sealed record EmbeddingProvenance(string PlmKitVersion, string Device, double Seconds, DateTime CreatedUtc, string ModelName);

/// <summary>One pooled vector with its content address and provenance.</summary>
/// <param name="Key">Content address.</param>
/// <param name="Vector">The pooled vector, float32, length D.</param>
/// <param name="Provenance">How it was computed.</param>
public sealed record StoredEmbedding(EmbeddingKey Key, float[] Vector, EmbeddingProvenance Provenance);

/// <summary>An id the user gave a sequence, kept so stored vectors can be exported under their ids.</summary>
/// <param name="Id">Id from the input (FASTA header, CSV id column).</param>
/// <param name="SequenceSha256">SHA-256 of the sequence (<see cref="SequenceHash.Of"/>).</param>
public sealed record SequenceName(string Id, string SequenceSha256);

/// <summary>Number of stored vectors for one model, layer, pooling, policy and dtype.</summary>
/// <param name="Model">Weights identity (<see cref="EmbeddingKey.Model"/>).</param>
/// <param name="ModelName">Human-readable model name recorded with the vectors.</param>
/// <param name="Layer">Layer.</param>
/// <param name="Pooling">Pooling method.</param>
/// <param name="LongPolicy">Long-sequence policy.</param>
/// <param name="Dtype">Compute dtype.</param>
/// <param name="Dimension">Vector length D.</param>
/// <param name="Count">Number of vectors (distinct sequences).</param>
public sealed record StoreGroup(string Model, string ModelName, int Layer, string Pooling, string LongPolicy, string Dtype, int Dimension, long Count);

/// <summary>Result of <see cref="EmbeddingStore.Verify"/>.</summary>
/// <param name="Rows">Rows checked.</param>
/// <param name="Damaged">Keys whose stored checksum does not match their vector (or whose vector is malformed).</param>
/// <param name="IntegrityCheck">SQLite's <c>PRAGMA quick_check</c> answer (<c>ok</c> when the file is sound).</param>
public sealed record VerifyReport(long Rows, IReadOnlyList<EmbeddingKey> Damaged, string IntegrityCheck)
{
    /// <summary>True when no row is damaged and SQLite finds the file sound.</summary>
    public bool Ok => Damaged.Count == 0 && IntegrityCheck == "ok";
}

/// <summary>Result of <see cref="EmbeddingStore.Merge"/>.</summary>
/// <param name="Added">Vectors copied in.</param>
/// <param name="AlreadyPresent">Vectors the target already held, bit for bit.</param>
/// <param name="Conflicting">Keys the target held with a different vector (the target's is kept).</param>
/// <param name="Damaged">Rows of the source whose checksum failed; they are not copied.</param>
public sealed record MergeReport(long Added, long AlreadyPresent, long Conflicting, IReadOnlyList<EmbeddingKey> Damaged)
{
    /// <summary>Zero-shot scores copied from the source (<see cref="EmbeddingStore.PutScores"/>); scores the target already held are kept.</summary>
    public long ScoresAdded { get; init; }
}
