using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;

namespace PlmKit.StoreWorker;

/// <summary>
/// Test double for an embedder: each vector is a deterministic function of (sequence, layer, pool)
/// derived from SHA-256, so any two runs agree bit for bit. Counts the sequences it embeds and,
/// when given a log file, appends one line per embedded sequence (the kill test's computation count).
/// </summary>
/// <param name="dimension">Vector length.</param>
/// <param name="model">Model name (its SHA-256 is the weights id).</param>
/// <param name="delay">Pause per call, standing in for compute without using CPU.</param>
/// <param name="logPath">File to append "&lt;sequence sha&gt;" lines to, or null.</param>
public sealed class SyntheticSource(int dimension = 8, string model = "synthetic-weights-v1", TimeSpan delay = default, string? logPath = null)
    : IEmbeddingSource
{
    private int _embedded;

    /// <inheritdoc/>
    public string ModelId { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model)));
    /// <inheritdoc/>
    public string ModelName => model;
    /// <inheritdoc/>
    public int LayerCount => 2;
    /// <inheritdoc/>
    public string LongPolicy => "truncate";
    /// <inheritdoc/>
    public string Dtype => "fp32";
    /// <inheritdoc/>
    public string Device => "cpu";

    /// <summary>Sequences embedded so far (thread-safe).</summary>
    public int Embedded => Volatile.Read(ref _embedded);

    /// <inheritdoc/>
    public IReadOnlyList<float[][]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<int> layers, IReadOnlyList<IPooling> pools)
    {
        if (delay > TimeSpan.Zero)
            Thread.Sleep(delay);
        Interlocked.Add(ref _embedded, sequences.Count);
        if (logPath is not null)
            File.AppendAllLines(logPath, sequences.Select(SequenceHash.Of));
        return sequences.Select(s => layers.SelectMany(l => pools.Select(p => Vector(s, l, p.Name, dimension))).ToArray()).ToList();
    }

    /// <summary>The vector of one (sequence, layer, pool).</summary>
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
