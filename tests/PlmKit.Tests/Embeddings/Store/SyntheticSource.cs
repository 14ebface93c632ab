using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PlmKit.Embeddings.Store;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>
/// Test double for an embedder: each vector is a deterministic function of (sequence, layer, pool)
/// derived from SHA-256, so any two runs agree bit for bit; counts the sequences it embeds.
/// </summary>
internal sealed class SyntheticSource(int dimension = 8, string model = "synthetic-weights-v1") : IEmbeddingSource
{
    private int _embedded;

    public string ModelId { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model)));
    public string ModelName => model;
    public string LongPolicy => "truncate";
    public string Dtype => "fp32";
    public string Device => "cpu";

    /// <summary>Sequences embedded so far (thread-safe).</summary>
    public int Embedded => Volatile.Read(ref _embedded);

    public IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<string> pools)
    {
        Interlocked.Add(ref _embedded, sequences.Count);
        return sequences.Select(s => layers.SelectMany(l => pools.Select(p => Vector(s, l, p, dimension))).ToArray()).ToList();
    }

    public static float[] Vector(string sequence, int layer, string pool, int dimension)
    {
        var v = new float[dimension];
        Span<byte> hash = stackalloc byte[32];
        for (int j = 0; j < dimension; j++)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes($"{sequence}|{layer}|{pool}|{j}"), hash);
            v[j] = (BinaryPrimitives.ReadInt32LittleEndian(hash) % 100_000) / 1000f;
        }
        return v;
    }

    /// <summary>n distinct random protein sequences of length 5..60, reproducible from the seed.</summary>
    public static List<(string Id, string Sequence)> Sequences(int n, int seed = 1)
    {
        var rng = new Random(seed);
        const string letters = "ACDEFGHIKLMNPQRSTVWY";
        var items = new List<(string, string)>(n);
        var seen = new HashSet<string>();
        while (items.Count < n)
        {
            var s = new string(Enumerable.Range(0, rng.Next(5, 61)).Select(_ => letters[rng.Next(letters.Length)]).ToArray());
            if (seen.Add(s))
                items.Add(($"p{items.Count:D4}", s));
        }
        return items;
    }
}
