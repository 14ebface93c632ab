using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Models;
using PlmKit.Models.Amplify;
using PlmKit.Models.Esm;
using PlmKit.Models.EsmC;
using PlmKit.Tests.Models;
using static TorchSharp.torch;

namespace PlmKit.Tests.Embeddings;

/// <summary>Random models of every family, written once for <see cref="LayerStreamingTests"/>.</summary>
public sealed class StreamingModels : IDisposable
{
    private readonly TempDir dir = new();

    public StreamingModels()
    {
        TorchRuntime.EnsureLoaded();
        Esm2 = RandomModels.Esm2(dir.Sub("esm2"), layers: 5, hidden: 64, heads: 4, ffn: 128, seed: 11);
        EsmC = RandomModels.EsmC(dir.Sub("esmc"), dModel: 64, heads: 4, layers: 4, seed: 12);
        Amplify = RandomModels.Amplify(dir.Sub("amplify"), hidden: 64, heads: 4, layers: 4, ffn: 128, seed: 13);
        Resume = RandomModels.Esm2(dir.Sub("resume"), layers: 6, hidden: 128, heads: 4, ffn: 512, seed: 14);
    }

    public string Esm2 { get; }
    public string EsmC { get; }
    public string Amplify { get; }
    public string Resume { get; }

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// Layer streaming (<see cref="ILayeredModel"/>, <see cref="Embedder"/> with a streamed model, <see cref="MemoryPlanner"/>):
/// the same vectors and states as the in-memory run, whatever the chunking, and a store run killed between layers resumes.
/// </summary>
public class LayerStreamingTests(StreamingModels models) : IClassFixture<StreamingModels>
{
    // Lengths 3..70 residues; with windows of 24 the long ones are cut into pieces that land in different chunks.
    private static readonly IReadOnlyList<(string Id, string Sequence)> Sequences = Enumerable.Range(0, 16)
        .Select(i => ($"s{i}", new string(Enumerable.Range(0, 3 + (i * 37 % 68)).Select(j => "ACDEFGHIKLMNPQRSTVWY"[(i * 7 + j * 13) % 20]).ToArray())))
        .ToList();

    private static LoadedModel Load(string family, string path, ScalarType dtype, bool streamed) =>
        ModelZoo.Load(path, options: new LoadOptions { Dtype = dtype, StreamBlocks = _ => streamed });

    [Theory]
    [InlineData("esm2", ScalarType.Float32)]
    [InlineData("esm2", ScalarType.BFloat16)]
    [InlineData("esmc", ScalarType.Float32)]
    [InlineData("amplify", ScalarType.Float32)]
    public void StreamedEqualsInMemoryForEveryLayerPoolAndResidue(string family, ScalarType dtype)
    {
        var path = family switch { "esm2" => models.Esm2, "esmc" => models.EsmC, _ => models.Amplify };
        using var inMemory = Load(family, path, dtype, false).Model;
        using var streamed = Load(family, path, dtype, true).Model;
        Assert.False(((ILayeredModel)inMemory).Streamed);
        Assert.True(((ILayeredModel)streamed).Streamed);
        int layers = inMemory.Info.Layers;
        var embedDtype = dtype == ScalarType.BFloat16 ? EmbedDtype.Bf16 : EmbedDtype.Fp32;
        var options = new EmbedderOptions(Enumerable.Range(0, layers + 1).ToList(), Poolings.ParseList("mean,bos"), TokensPerBatch: 60,
            LongPolicy: LongSequencePolicy.Windows, MaxResidues: 24, Dtype: embedDtype, Device: "cpu", PerToken: true);
        var expected = new Embedder(inMemory, options).Embed(Sequences).ToDictionary(e => e.Id);
        // 90 tokens per chunk: 1-2 batches each, so windows of one sequence fall in different chunks.
        var actual = new Embedder(streamed, options with { ChunkTokens = 90 }).Embed(Sequences).ToList();

        Assert.Equal(Sequences.Count, actual.Count);
        Assert.Contains(actual, e => e.Windows > 1);
        double worst = 0;
        foreach (var e in actual)
        {
            var x = expected[e.Id];
            Assert.Equal(x.Vectors.Select(v => (v.Layer, v.Pool)), e.Vectors.Select(v => (v.Layer, v.Pool)));
            for (int v = 0; v < e.Vectors.Count; v++) worst = Math.Max(worst, MaxAbs(x.Vectors[v].Vector, e.Vectors[v].Vector));
            for (int k = 0; k <= layers; k++) worst = Math.Max(worst, MaxAbs(x.PerToken![k], e.PerToken![k]));
        }
        Assert.True(worst <= 1e-6, $"max |Δ| {worst}");
        // Each block read once per chunk, and there were several chunks.
        var stream = ((ILayeredModel)streamed).Streaming!;
        Assert.Equal(0, stream.Reads % layers);
        Assert.True(stream.Reads / layers >= 3, $"{stream.Reads} block reads for {layers} blocks");
    }

    [Fact]
    public void AStoreRunKilledBetweenLayersResumesToTheVectorsOfAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var items = Sequences.Select(s => (s.Id, s.Sequence + s.Sequence)).ToList();
        var pools = Poolings.ParseList("mean,bos");
        int[] layers = [6];

        // The budget: one byte less than the in-memory run needs, so the model streams.
        WeightSizes? sizes = null;
        using (ModelZoo.Load(models.Resume, options: new LoadOptions { StreamBlocks = s => { sizes = s; return false; } }).Model) { }
        long inMemory = MemoryPlanner.Choose(sizes!, long.MaxValue, 64, 64, 1).ExpectedPeakBytes;
        var settings = new EmbedSettings(LongPolicy: LongSequencePolicy.Truncate, Device: "cpu", MaxMemoryBytes: inMemory - 1);

        using (var reference = EmbeddingStore.Open(dir.Sub("reference")))
        using (var source = ModelEmbeddingSource.Open(models.Resume, settings with { MaxMemoryBytes = null }, tokensPerBatch: 64))
        {
            Assert.False(source.Plan.Streamed);
            new StoredEmbedder(reference, source).Run(items, layers, pools, Shard.All, chunkSequences: 4);
        }

        int blocksRun = 0;
        using (var store = EmbeddingStore.Open(dir.Sub("store")))
        {
            using (var source = ModelEmbeddingSource.Open(models.Resume, settings, tokensPerBatch: 64))
            {
                Assert.True(source.Plan.Streamed, source.Plan.Reason);
                // The "kill": the second store chunk dies after its third block.
                source.LayerDone = (layer, _) =>
                {
                    if (++blocksRun == 6 + 3) throw new SimulatedKill();
                };
                Assert.Throws<SimulatedKill>(() => new StoredEmbedder(store, source).Run(items, layers, pools, Shard.All, chunkSequences: 4));
            }
            using (var source = ModelEmbeddingSource.Open(models.Resume, settings, tokensPerBatch: 64))
            {
                var report = new StoredEmbedder(store, source).Run(items, layers, pools, Shard.All, chunkSequences: 4);
                Assert.True(report.Reused > 0 && report.Computed > 0 && report.Computed < report.Sequences, report.ToString());
                var names = items.Select(i => SequenceHash.Of(i.Item2)).Distinct().ToList();
                using var reference = EmbeddingStore.Open(dir.Sub("reference"));
                foreach (var sha in names)
                    foreach (var pool in pools)
                    {
                        var key = new EmbeddingKey(source.ModelId, 6, pool.Name, source.LongPolicy, source.Dtype, sha);
                        Assert.Equal(reference.Get(key)!.Vector, store.Get(key)!.Vector);
                    }
            }
        }

        // Two shards streamed into one store, one process each as SLURM would run them, give the same vectors.
        using (var sharded = EmbeddingStore.Open(dir.Sub("sharded")))
        {
            (string Model, string Policy, string Dtype) id = ("", "", "");
            int computed = 0;
            for (int shard = 0; shard < 2; shard++)
            {
                using var source = ModelEmbeddingSource.Open(models.Resume, settings, tokensPerBatch: 64);
                Assert.True(source.Plan.Streamed);
                var report = new StoredEmbedder(sharded, source).Run(items, layers, pools, new Shard(shard, 2), chunkSequences: 4);
                Assert.True(report.Computed > 0, report.ToString());
                computed += report.Computed;
                id = (source.ModelId, source.LongPolicy, source.Dtype);
            }
            var names = items.Select(i => SequenceHash.Of(i.Item2)).Distinct().ToList();
            Assert.Equal(names.Count, computed);
            using var reference = EmbeddingStore.Open(dir.Sub("reference"));
            foreach (var sha in names)
                foreach (var pool in pools)
                {
                    var key = new EmbeddingKey(id.Model, 6, pool.Name, id.Policy, id.Dtype, sha);
                    Assert.Equal(reference.Get(key)!.Vector, sharded.Get(key)!.Vector);
                }
        }
    }

    [Fact]
    public void PassesRefuseToGoPastTheLastLayer()
    {
        using var model = (EsmModel)EsmCheckpoint.Load(models.Esm2).Model;
        using var tokens = tensor(new long[,] { { 0, 5, 6, 2 } });
        using var pass = model.Begin(tokens);
        for (int i = 0; i < model.Config.Layers; i++) model.Step(pass);
        Assert.Equal(model.Config.Layers, pass.Layer);
        Assert.Throws<InvalidOperationException>(() => model.Step(pass));
        Assert.Throws<ArgumentException>(() => model.Begin(tensor(new long[] { 0, 5, 2 })));
    }

    [Fact]
    public void MemorySizesParseAndBudgetsChooseTheMode()
    {
        Assert.Equal(8L << 30, MemoryPlanner.ParseSize("8GB"));
        Assert.Equal(3584L << 20, MemoryPlanner.ParseSize(" 3.5GiB "));
        Assert.Equal(512L << 20, MemoryPlanner.ParseSize("512mb"));
        foreach (var bad in new[] { "", "8", "GB", "-1GB", "0GB", "8 parsecs", "1.2.3GB", "99999999TB" })
            Assert.Contains("--max-memory", Assert.Throws<ConfigurationException>(() => MemoryPlanner.ParseSize(bad)).Message);

        // A 3B-shaped model in bf16: 5.7 GB of weights.
        var w = new WeightSizes(Total: 5_700L << 20, Resident: 200L << 20, Block: 160L << 20, Blocks: 36, Hidden: 2560, Heads: 40, ElementSize: 2);
        Assert.False(MemoryPlanner.Choose(w, 16L << 30, 4096, 300, 1).Streamed);
        var streamed = MemoryPlanner.Choose(w, 3L << 30, 4096, 300, 1);
        Assert.True(streamed.Streamed);
        Assert.True(streamed.ChunkTokens >= 4096);
        Assert.Contains("--max-memory (3.0 GB)", streamed.Reason);
        // Weights larger than any machine's free memory stream without a budget too.
        var huge = w with { Total = 1L << 40, Resident = 1L << 30, Block = 1L << 30 };
        Assert.True(MemoryPlanner.Choose(huge, null, 4096, 300, 1).Streamed);
        Assert.True(streamed.ExpectedPeakBytes <= 3L << 30);
        // 800 MB leave no room for a batch of 4,096 tokens beside one block: batches are halved until one fits.
        var smaller = MemoryPlanner.Choose(w, 800L << 20, 4096, 300, 1);
        Assert.True(smaller.Streamed);
        Assert.True(smaller.TokensPerBatch is >= 300 and < 4096, smaller.TokensPerBatch?.ToString());
        Assert.Contains($"in batches of {smaller.TokensPerBatch:N0} tokens instead of 4,096", smaller.Reason);
        Assert.True(smaller.ExpectedPeakBytes <= 800L << 20);
        Assert.Null(streamed.TokensPerBatch);
        // Only under the user's budget, which gives every run of an input the same batches: under the free memory of the moment it is refused.
        var momentary = Assert.Throws<ConfigurationException>(() => MemoryPlanner.Choose(w, null, 4096, 300, 1, new FreeMemory(800L << 20, "the memory available now")));
        Assert.Contains("give --max-memory", momentary.Message);
        // A small model with a large batch: halving the batch lets the whole model fit, so it runs in memory.
        var small = new WeightSizes(Total: 100L << 20, Resident: 10L << 20, Block: 10L << 20, Blocks: 9, Hidden: 64, Heads: 4, ElementSize: 4);
        var halvedInMemory = MemoryPlanner.Choose(small, 900L << 20, 65536, 100, 1);
        Assert.False(halvedInMemory.Streamed, halvedInMemory.Reason);
        Assert.Equal(32768, halvedInMemory.TokensPerBatch);
        Assert.Contains("in batches of 32,768 tokens instead of 65,536", halvedInMemory.Reason);
        // Not below the longest input: a 3,000-token sequence needs a 3,000-token batch.
        var tooSmall = Assert.Throws<ConfigurationException>(() => MemoryPlanner.Choose(w, 800L << 20, 4096, 3000, 1));
        Assert.Contains("one block 160 MB", tooSmall.Message);
    }

    [Fact]
    public void ABudgetTooSmallForOneBatchEmbedsTheSameVectorsInSmallerBatches()
    {
        WeightSizes? sizes = null;
        using (ModelZoo.Load(models.Esm2, options: new LoadOptions { StreamBlocks = s => { sizes = s; return false; } }).Model) { }
        long longest = Sequences.Max(q => q.Sequence.Length) + 2;
        // Between the smallest streamed run of 2,048-token batches and of 4,096-token ones.
        long budget = (MemoryPlanner.Choose(sizes!, 1L << 40, 2048, longest, 1).ExpectedPeakBytes + MemoryPlanner.Choose(sizes!, 1L << 40, 4096, longest, 1).ExpectedPeakBytes) / 2;
        var settings = new EmbedSettings(LongPolicy: LongSequencePolicy.Truncate, Device: "cpu");
        using var tight = ModelEmbeddingSource.Open(models.Esm2, settings with { MaxMemoryBytes = budget }, tokensPerBatch: 4096, longestTokens: longest);
        using var roomy = ModelEmbeddingSource.Open(models.Esm2, settings, tokensPerBatch: 4096, longestTokens: longest);
        var layers = new[] { 2, 5 };
        var pools = Poolings.ParseList("mean");
        var small = tight.Embed(Sequences.Select(q => q.Sequence).ToList(), layers, pools);
        // This 1 MB model then fits whole (the planner tests cover the streamed case); the embedder runs the smaller batches.
        Assert.True(tight.Plan.TokensPerBatch is > 0 and < 4096, tight.Plan.Reason);
        Assert.Contains("instead of 4,096", tight.Plan.Reason);
        var expected = roomy.Embed(Sequences.Select(q => q.Sequence).ToList(), layers, pools);
        Assert.False(roomy.Plan.Streamed);
        for (int i = 0; i < Sequences.Count; i++)
            for (int v = 0; v < layers.Length; v++)
                Assert.True(MaxAbs(expected[i][v], small[i][v]) <= 1e-5, $"sequence {i}, layer {layers[v]}");
    }

    [Fact]
    public void ThePlanCountsEveryPooledLayerBeforeChoosingTheMode()
    {
        // --layers all holds every layer's states until pooling: the mode is chosen with them counted, not with one layer.
        var settings = new EmbedSettings(EmbedDtype.Fp32, MaxMemoryBytes: 64L << 30);
        using var one = ModelEmbeddingSource.Open(models.Resume, settings, tokensPerBatch: 512);
        using var all = ModelEmbeddingSource.Open(models.Resume, settings, tokensPerBatch: 512, pooledLayers: n => n + 1);
        Assert.False(one.Plan.Streamed || all.Plan.Streamed);
        // Six more layers of 512 tokens × width 128 × 8 bytes (float32 states held as tensors and as arrays).
        Assert.Equal(6L * 512 * 128 * 8, all.Plan.ExpectedPeakBytes - one.Plan.ExpectedPeakBytes);
    }

    [Fact]
    public void WithoutABudgetAGpuRunFitsTheDevicesFreeMemory()
    {
        var w = new WeightSizes(Total: 5_700L << 20, Resident: 200L << 20, Block: 160L << 20, Blocks: 36, Hidden: 2560, Heads: 40, ElementSize: 2);
        // A 4 GB card's free memory streams the 5.7 GB model, whatever the host has; the user's budget still wins.
        var gpu = new FreeMemory(4L << 30, "the free memory of cuda:0");
        var plan = MemoryPlanner.Choose(w, null, 4096, 300, 1, gpu);
        Assert.True(plan.Streamed);
        Assert.Contains("the free memory of cuda:0 (4.0 GB)", plan.Reason);
        Assert.Equal(4L << 30, plan.BudgetBytes);
        Assert.False(MemoryPlanner.Choose(w, 16L << 30, 4096, 300, 1, gpu).Streamed);
        Assert.Contains("fit the free memory of cuda:0", MemoryPlanner.Choose(w, null, 4096, 300, 1, gpu with { Bytes = 24L << 30 }).Reason);

        Assert.Equal("the memory available now", FreeMemory.Of(TorchSharp.DeviceType.CPU, -1).Description);
        Assert.Null(DeviceMemory.Cuda(-1));
        // Without an NVIDIA driver (this machine, CI) the device's memory is unknown: the host's is used, and the reason says so.
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
        {
            Assert.Null(DeviceMemory.Cuda(0));
            var fallback = FreeMemory.Of(TorchSharp.DeviceType.CUDA, 1);
            Assert.Contains("the free memory of cuda:1 could not be read", fallback.Description);
            Assert.Equal(ProcessMemory.AvailableBytes().HasValue, fallback.Bytes.HasValue);
        }
    }

    private static double MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        return worst;
    }

    private sealed class SimulatedKill : Exception;
}
