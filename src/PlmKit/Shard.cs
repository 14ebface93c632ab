using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PlmKit;

/// <summary>
/// One of N disjoint parts of a piece of work (<c>--shard i/N</c>). Work items are assigned by a
/// stable hash of their key (SHA-256, the same on every machine, process and .NET version, unlike
/// <see cref="string.GetHashCode()"/>), so N independent processes with shards 0/N … (N−1)/N cover
/// every item exactly once without talking to each other.
/// </summary>
/// <param name="Index">0-based shard index, 0 ≤ Index &lt; Count.</param>
/// <param name="Count">Number of shards N ≥ 1.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The whole work (shard 0 of 1).</summary>
    public static Shard All { get; } = new(0, 1);

    /// <summary>Parses <c>i/N</c> (0 ≤ i &lt; N).</summary>
    /// <exception cref="ConfigurationException">Malformed or out of range.</exception>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ConfigurationException($"--shard '{text}' is not of the form i/N (e.g. 0/4)");
        if (n < 1 || i >= n)
            throw new ConfigurationException($"--shard '{text}': need N ≥ 1 and 0 ≤ i < N");
        return new Shard(i, n);
    }

    /// <summary>Shard index (0 … <paramref name="count"/>−1) of a work item with key <paramref name="key"/>.</summary>
    public static int Of(string key, int count)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)count);
    }

    /// <summary>True when the item with key <paramref name="key"/> belongs to this shard.</summary>
    public bool Contains(string key) => Count == 1 || Of(key, Count) == Index;

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
