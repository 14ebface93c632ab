using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PlmKit.Embeddings.Store;

/// <summary>
/// Content address of one pooled embedding vector: everything that determines its value.
/// Two runs that agree on all six fields compute the same vector, so the store computes it once.
/// </summary>
/// <param name="Model">Identity of the model: its family and the SHA-256 of its weights (<c>esmc:</c> + 64 lower-case hex
/// digits), or a hub revision such as <c>facebook/esm2_t6_8M_UR50D@c731040f</c>. Never a bare zoo name, which does not pin the weights.</param>
/// <param name="Layer">Transformer layer, 0 = embedding layer, L = last (fair-esm's numbering).</param>
/// <param name="Pooling">The study's name of the compression method (<c>mean</c>, <c>bos</c>, <c>pca1</c>, ...).</param>
/// <param name="LongPolicy">Policy for sequences over the family's limit (<c>error</c>, <c>truncate</c>, <c>windows</c>).</param>
/// <param name="Dtype">Compute dtype (<c>fp32</c>, <c>bf16</c>); the stored vector is float32 either way.</param>
/// <param name="SequenceSha256">SHA-256 of the upper-case sequence's UTF-8 bytes, 64 lower-case hex digits
/// (<see cref="SequenceHash.Of"/>).</param>
public sealed record EmbeddingKey(string Model, int Layer, string Pooling, string LongPolicy, string Dtype, string SequenceSha256)
{
    /// <summary>One string holding every field, used for checksums and messages.</summary>
    public string Canonical => $"{Model}|{Layer}|{Pooling}|{LongPolicy}|{Dtype}|{SequenceSha256}";

    /// <summary>The key with another sequence hash (same model, layer, pooling, policy and dtype).</summary>
    public EmbeddingKey ForSequence(string sequenceSha256) => this with { SequenceSha256 = sequenceSha256 };

    /// <inheritdoc/>
    public override string ToString() => Canonical;
}

/// <summary>Hashes that make content addresses: sequences and weight files.</summary>
public static class SequenceHash
{
    /// <summary>SHA-256 of <paramref name="sequence"/>'s UTF-8 bytes as 64 lower-case hex digits.</summary>
    public static string Of(string sequence) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sequence)));


    /// <summary>
    /// Per-row checksum: SHA-256 over the key's canonical string and the vector's little-endian
    /// float32 bytes, so a flipped bit in either the vector or the key columns is detected.
    /// </summary>
    public static byte[] RowChecksum(EmbeddingKey key, ReadOnlySpan<byte> vectorBytes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(key.Canonical));
        sha.AppendData("\n"u8);
        sha.AppendData(vectorBytes);
        return sha.GetHashAndReset();
    }

    /// <summary>The vector as little-endian float32 bytes (the store's blob layout), length 4·D.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        return bytes;
    }

    /// <summary>Decodes a little-endian float32 blob (length a multiple of 4) into a vector.</summary>
    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        var vector = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
        return vector;
    }
}
