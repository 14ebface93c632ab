using System.Diagnostics;
using System.Runtime.InteropServices;
using PlmKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Embeddings;

/// <summary>One pooled vector of one protein.</summary>
/// <param name="Layer">Representation layer 0..L.</param>
/// <param name="Pool">Pooling name.</param>
/// <param name="Vector">The pooled vector (length <see cref="IPooling.OutputLength"/>).</param>
public sealed record PooledVector(int Layer, string Pool, float[] Vector);

/// <summary>Everything computed for one protein.</summary>
/// <param name="Id">Sequence id.</param>
/// <param name="Index">0-based position in the input.</param>
/// <param name="Length">Residues in the input sequence.</param>
/// <param name="Handling">How the long-sequence policy treated it.</param>
/// <param name="ResiduesUsed">Residues whose states were pooled (Length, or MaxResidues when truncated).</param>
/// <param name="Windows">Number of model passes (windows) it took; 1 unless windowed.</param>
/// <param name="Vectors">One vector per (layer, pool), layers then pools in the order asked for.</param>
/// <param name="PerToken">Layer → per-residue states, row-major [ResiduesUsed, D]; null unless asked for.</param>
/// <param name="Tokens">Tokens the model processed for it (residues plus BOS/EOS of every window; no padding).</param>
/// <param name="Seconds">Its share of the forward time (batch time × its tokens / batch tokens).</param>
public sealed record ProteinEmbedding(
    string Id,
    int Index,
    int Length,
    LongSequenceHandling Handling,
    int ResiduesUsed,
    int Windows,
    IReadOnlyList<PooledVector> Vectors,
    IReadOnlyDictionary<int, float[]>? PerToken,
    long Tokens,
    double Seconds);

/// <summary>
/// Embeds proteins with any <see cref="IProteinModel"/>: extract.py batching, the long-sequence policy, pooling on
/// the fly. Results stream out as each batch finishes (shortest sequences first, like extract.py);
/// per-residue states live only for the batch being pooled.
/// </summary>
public sealed class Embedder
{
    private readonly IProteinModel model;
    private readonly int maxResidues;
    private readonly int windowStride;
    private readonly EmbedderOptions options;
    private readonly IReadOnlyList<IPooling> pools;
    private readonly Device device;

    /// <summary>Prepares the model (device, dtype, threads) and the pooling methods.</summary>
    /// <param name="model">Loaded model; it is moved to the device and cast to the dtype of <paramref name="options"/>.</param>
    /// <param name="options">Layers, pools, batching and policy.</param>
    /// <exception cref="ConfigurationException">A pool that cannot work at this width, bad layers or sizes.</exception>
    public Embedder(IProteinModel model, EmbedderOptions options)
    {
        this.model = model;
        this.options = options;
        if (options.Layers.Count == 0) throw new ConfigurationException("no layers asked for.");
        foreach (var k in options.Layers)
            if (k < 0 || k > model.Info.Layers) throw new ConfigurationException($"layer {k} is out of range 0..{model.Info.Layers}.");
        if (options.Pools.Count == 0 && !options.PerToken) throw new ConfigurationException("no pooling asked for.");
        pools = options.Pools;
        foreach (var p in pools) p.OutputLength(model.Info.Hidden);
        maxResidues = options.MaxResidues ?? model.Info.DefaultMaxResidues ?? int.MaxValue;
        if (maxResidues < 1) throw new ConfigurationException($"the residue limit must be positive (got {maxResidues}).");
        if (model.Info.ResidueLimit is { } limit && maxResidues > limit)
            throw new ConfigurationException($"this model takes at most {limit} residues at once (got a limit of {maxResidues}).");
        windowStride = options.WindowStride ?? Math.Max(1, maxResidues / 2);
        if (options.LongPolicy == LongSequencePolicy.Windows && (windowStride < 1 || windowStride > maxResidues))
            throw new ConfigurationException($"the window stride must be in 1..{maxResidues} (got {windowStride}).");
        if (options.Threads is { } threads)
        {
            if (threads < 1) throw new ConfigurationException($"--threads must be at least 1 (got {threads}).");
            torch.set_num_threads(threads);
        }
        device = TorchRuntime.ResolveDevice(options.Device);
        model.To(device, options.Dtype.ScalarType());
    }

    /// <summary>Residues per model input: the options' limit, else the family's convention (<see cref="ModelInfo.DefaultMaxResidues"/>); <see cref="int.MaxValue"/> when none.</summary>
    public int MaxResidues => maxResidues;

    /// <summary>Residues between window starts under <see cref="LongSequencePolicy.Windows"/>.</summary>
    public int WindowStride => windowStride;

    /// <summary>The model being run.</summary>
    public IProteinModel Model => model;

    /// <summary>
    /// Start positions of the windows covering <paramref name="length"/> residues: every
    /// <see cref="EmbedderOptions.WindowStride"/>, plus a last window ending at the last residue.
    /// </summary>
    public static IReadOnlyList<int> WindowStarts(int length, int window, int stride)
    {
        if (length <= window) return [0];
        var starts = new List<int>();
        for (int s = 0; s + window < length; s += stride) starts.Add(s);
        starts.Add(length - window);
        return starts;
    }

    /// <summary>Tokens the model will process for a sequence of <paramref name="length"/> residues under these options (no padding).</summary>
    public long TokensFor(int length) =>
        length > maxResidues && options.LongPolicy == LongSequencePolicy.Windows
            ? WindowStarts(length, maxResidues, windowStride).Count * (long)(maxResidues + 2)
            : Math.Min(length, maxResidues) + 2L;

    /// <summary>
    /// Checks the sequences against the alphabet, the long-sequence policy and the poolings' minimum
    /// lengths without running the model, so a pipeline can refuse bad input before any work.
    /// </summary>
    /// <param name="sequences">(id, sequence) pairs in input order.</param>
    /// <param name="source">Input file name for messages, or null.</param>
    /// <exception cref="InputException">Invalid sequences, long ones under <see cref="LongSequencePolicy.Error"/>, or ones shorter than a pooling's <see cref="IPooling.MinimumResidues"/>.</exception>
    public void Check(IReadOnlyList<(string Id, string Sequence)> sequences, string? source = null)
    {
        ResidueAlphabet.Validate(sequences, source);
        int max = maxResidues;
        if (options.LongPolicy == LongSequencePolicy.Error)
        {
            var tooLong = sequences.Where(s => s.Sequence.Length > max).ToList();
            if (tooLong.Count > 0)
                throw new InputException(source, null,
                    $"{tooLong.Count} sequence{(tooLong.Count == 1 ? " is" : "s are")} longer than {max} residues " +
                    $"({string.Join(", ", tooLong.Take(5).Select(s => $"'{s.Id}' {s.Sequence.Length}"))}{(tooLong.Count > 5 ? ", ..." : "")}); " +
                    "choose --long truncate (first residues, as fair-esm's extract.py cuts ESM-2 inputs) or --long windows.");
        }
        foreach (var pool in pools)
        {
            var tooShort = sequences.Where(s => s.Sequence.Length < pool.MinimumResidues).ToList();
            if (tooShort.Count > 0)
                throw new InputException(source, null,
                    $"{pool.Name} needs at least {pool.MinimumResidues} residues; {tooShort.Count} sequence{(tooShort.Count == 1 ? " is" : "s are")} shorter " +
                    $"({string.Join(", ", tooShort.Take(5).Select(s => $"'{s.Id}' {s.Sequence.Length}"))}{(tooShort.Count > 5 ? ", ..." : "")}); " +
                    "remove them or choose another --pool.");
        }
    }

    /// <summary>
    /// Embeds the sequences. Validation (<see cref="Check"/>) happens before the first batch, so a bad
    /// sequence stops the run before any work is done.
    /// </summary>
    /// <param name="sequences">(id, sequence) pairs in input order; ids should be unique.</param>
    /// <param name="source">Input file name for messages, or null.</param>
    /// <inheritdoc cref="Check" path="/exception"/>
    public IEnumerable<ProteinEmbedding> Embed(IReadOnlyList<(string Id, string Sequence)> sequences, string? source = null)
    {
        Check(sequences, source);
        return Run(sequences);
    }

    // A piece is one model input: a whole sequence, its truncation, or one window.
    private sealed record Piece(int Sequence, int Start, int Length, int SortLength);

    private IEnumerable<ProteinEmbedding> Run(IReadOnlyList<(string Id, string Sequence)> sequences)
    {
        int max = maxResidues;
        var pieces = new List<Piece>();
        var pieceCount = new int[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            int n = sequences[i].Sequence.Length, before = pieces.Count;
            if (n > max && options.LongPolicy == LongSequencePolicy.Windows)
                foreach (var s in WindowStarts(n, max, windowStride)) pieces.Add(new Piece(i, s, max, max));
            else
                // extract.py sorts by the untruncated length; truncation happens in the batch converter.
                pieces.Add(new Piece(i, 0, Math.Min(n, max), n));
            pieceCount[i] = pieces.Count - before;
        }

        var layers = options.Layers;
        var pending = new Dictionary<int, Accumulator>();
        var batches = Batching.BatchIndices(pieces.Select(p => p.SortLength).ToList(), options.TokensPerBatch)
            .Select(batch => batch.Select(i => pieces[i]).ToList()).ToList();
        foreach (var (batchPieces, states, seconds) in Forwarded(sequences, batches))
        {
            long batchTokens = batchPieces.Sum(p => (long)p.Length + 2);

            for (int b = 0; b < batchPieces.Count; b++)
            {
                var piece = batchPieces[b];
                var (id, seq) = sequences[piece.Sequence];
                if (!pending.TryGetValue(piece.Sequence, out var acc))
                    pending[piece.Sequence] = acc = new Accumulator(layers, seq.Length, model.Info.Hidden, pieceCount[piece.Sequence] > 1);
                acc.Add(piece, states[b], seconds * (piece.Length + 2) / batchTokens);
                if (acc.Pieces < pieceCount[piece.Sequence]) continue;
                pending.Remove(piece.Sequence);
                yield return Finish(piece.Sequence, id, seq.Length, acc);
            }
        }
    }

    // Per batch, in order: its pieces, per piece and layer the residue rows [n, D] and the BOS row
    // [D], and its forward time. In memory one batch at a time; streamed a chunk of batches at a
    // time, each block run over the whole chunk before the next (its weights read once per chunk).
    private IEnumerable<(List<Piece> Pieces, List<Dictionary<int, (float[] Residues, float[] Bos)>> States, double Seconds)> Forwarded(
        IReadOnlyList<(string Id, string Sequence)> sequences, List<List<Piece>> batches)
    {
        if (model is not ILayeredModel { Streamed: true } layered)
        {
            foreach (var batch in batches)
            {
                var watch = Stopwatch.StartNew();
                var states = RunBatch(sequences, batch);
                yield return (batch, states, watch.Elapsed.TotalSeconds);
            }
            yield break;
        }
        long chunkTokens = Math.Max(1, options.ChunkTokens ?? long.MaxValue);
        for (int start = 0; start < batches.Count;)
        {
            // Whole batches only, so every batch computes exactly what it computes in memory.
            int end = start;
            long tokens = 0;
            do tokens += BatchTokens(batches[end++]);
            while (end < batches.Count && tokens + BatchTokens(batches[end]) <= chunkTokens);
            var chunk = batches.GetRange(start, end - start);
            var watch = Stopwatch.StartNew();
            var states = RunChunk(layered, sequences, chunk);
            double seconds = watch.Elapsed.TotalSeconds;
            for (int b = 0; b < chunk.Count; b++)
                yield return (chunk[b], states[b], seconds * BatchTokens(chunk[b]) / tokens);
            start = end;
        }
    }

    private static long BatchTokens(List<Piece> batch) => batch.Sum(p => (long)p.Length + 2);

    // Runs one batch; returns, per piece and layer, the residue rows [n, D] and the BOS row [D].
    private List<Dictionary<int, (float[] Residues, float[] Bos)>> RunBatch(
        IReadOnlyList<(string Id, string Sequence)> sequences, List<Piece> batch)
    {
        using var scope = NewDisposeScope();
        var tokens = Tokens(sequences, batch);
        using var output = model.Forward(tokens, options.Layers);
        var result = batch.Select(_ => new Dictionary<int, (float[], float[])>()).ToList();
        foreach (var (layer, hidden) in output.Representations) Extract(hidden, batch, layer, result);
        return result;
    }

    private Tensor Tokens(IReadOnlyList<(string Id, string Sequence)> sequences, List<Piece> batch) =>
        Batching.Tokens(model.Tokenizer, batch.Select(p => sequences[p.Sequence].Sequence.Substring(p.Start, p.Length)).ToList()).to(device);

    // Copies the residue rows and the BOS row of each piece of one layer's states [B, T, D].
    private static void Extract(Tensor hidden, List<Piece> batch, int layer, List<Dictionary<int, (float[] Residues, float[] Bos)>> result)
    {
        using var scope = NewDisposeScope();
        var cpu = hidden.cpu();
        for (int b = 0; b < batch.Count; b++)
        {
            var rows = cpu[b];
            result[b][layer] = (ToArray(rows.narrow(0, 1, batch[b].Length)), ToArray(rows[0]));
        }
    }

    // A chunk of batches block by block: every batch's states advance through block k before any
    // enters block k+1; the requested layers are copied out as the passes reach them.
    private List<List<Dictionary<int, (float[] Residues, float[] Bos)>>> RunChunk(
        ILayeredModel layered, IReadOnlyList<(string Id, string Sequence)> sequences, List<List<Piece>> chunk)
    {
        var results = chunk.Select(batch => batch.Select(_ => new Dictionary<int, (float[], float[])>()).ToList()).ToList();
        var passes = new List<LayerPass>(chunk.Count);
        try
        {
            // No dispose scope here: a pass moves its states out of the innermost scope, and must outlive this loop.
            foreach (var batch in chunk)
                using (var tokens = Tokens(sequences, batch))
                    passes.Add(layered.Begin(tokens));
            for (int layer = 0; ; layer++)
            {
                if (options.Layers.Contains(layer))
                    for (int b = 0; b < chunk.Count; b++)
                        using (var hidden = layered.Representation(passes[b]))
                            Extract(hidden, chunk[b], layer, results[b]);
                if (layer == model.Info.Layers) break;
                foreach (var pass in passes) layered.Step(pass);
                LayerDone?.Invoke(layer + 1, model.Info.Layers);
            }
        }
        finally
        {
            foreach (var pass in passes) pass.Dispose();
        }
        return results;
    }

    /// <summary>
    /// Told (block just run, blocks L) when a streamed chunk has passed through a block: progress
    /// through a model too large to hold. Not called for models held in memory.
    /// </summary>
    public Action<int, int>? LayerDone { get; init; }

    // One memory copy of a CPU float32 tensor; TensorAccessor.ToArray goes element by element
    // (five times slower, 7% of the 8M model's embedding time).
    private static float[] ToArray(Tensor cpu)
    {
        using var dense = cpu.contiguous();
        return MemoryMarshal.Cast<byte, float>(dense.bytes).ToArray();
    }

    private ProteinEmbedding Finish(int index, string id, int length, Accumulator acc)
    {
        int d = model.Info.Hidden;
        var vectors = new List<PooledVector>();
        Dictionary<int, float[]>? perToken = options.PerToken ? new() : null;
        foreach (int layer in options.Layers)
        {
            var (residues, bos) = acc.Result(layer);
            var states = new ResidueStates(residues, residues.Length / d, d, bos);
            foreach (var pool in pools) vectors.Add(new PooledVector(layer, pool.Name, pool.Pool(states)));
            if (perToken is not null) perToken[layer] = residues;
        }
        var handling = acc.Windowed ? LongSequenceHandling.Windowed
            : acc.Residues < length ? LongSequenceHandling.Truncated : LongSequenceHandling.Whole;
        return new ProteinEmbedding(id, index, length, handling, acc.Residues, acc.Pieces, vectors, perToken, acc.Tokens, acc.Seconds);
    }

    /// <summary>Collects the pieces of one sequence; windows are summed and averaged per residue.</summary>
    private sealed class Accumulator(IReadOnlyList<int> layers, int length, int hidden, bool windowed)
    {
        private readonly Dictionary<int, (float[] Residues, float[] Bos)> sums = new();
        private int[]? coverage;

        public bool Windowed { get; } = windowed;
        public int Pieces { get; private set; }
        public int Residues { get; private set; }
        public double Seconds { get; private set; }
        public long Tokens { get; private set; }

        public void Add(Piece piece, Dictionary<int, (float[] Residues, float[] Bos)> states, double seconds)
        {
            Pieces++;
            Seconds += seconds;
            Tokens += piece.Length + 2;
            if (!Windowed)
            {
                foreach (var (k, v) in states) sums[k] = v;
                Residues = piece.Length;
                return;
            }
            Residues = length;
            coverage ??= new int[length];
            for (int i = 0; i < piece.Length; i++) coverage[piece.Start + i]++;
            foreach (int k in layers)
            {
                if (!sums.TryGetValue(k, out var sum)) sums[k] = sum = (new float[length * hidden], new float[hidden]);
                var (residues, bos) = states[k];
                System.Numerics.Tensors.TensorPrimitives.Add(
                    sum.Residues.AsSpan(piece.Start * hidden, piece.Length * hidden), residues,
                    sum.Residues.AsSpan(piece.Start * hidden, piece.Length * hidden));
                System.Numerics.Tensors.TensorPrimitives.Add(sum.Bos, bos, sum.Bos);
            }
        }

        public (float[] Residues, float[] Bos) Result(int layer)
        {
            var (residues, bos) = sums[layer];
            if (!Windowed) return (residues, bos);
            var meanResidues = new float[residues.Length];
            for (int i = 0; i < length; i++)
                System.Numerics.Tensors.TensorPrimitives.Divide(
                    residues.AsSpan(i * hidden, hidden), coverage![i], meanResidues.AsSpan(i * hidden, hidden));
            var meanBos = new float[hidden];
            System.Numerics.Tensors.TensorPrimitives.Divide(bos, Pieces, meanBos);
            return (meanResidues, meanBos);
        }
    }
}
