using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.EsmC;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>The ESM C golden model and EvolutionaryScale's outputs (../shared/golden/esmc_tiny), loaded once.</summary>
public static class EsmCGolden
{
    public static string Folder => Path.Combine(SharedData.Golden, "esmc_tiny");
    public static string Pth => Path.Combine(Folder, "esmc_tiny.pth");
    public static string Safetensors => Path.Combine(Folder, "model.safetensors");

    private static readonly Lazy<Dictionary<string, Tensor>> ExpectedLazy = new(() =>
    {
        TorchRuntime.EnsureLoaded();
        return TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(SharedData.Golden, "expected", "esmc_tiny.safetensors"));
    });

    public static Dictionary<string, Tensor> Expected => ExpectedLazy.Value;

    private static readonly Lazy<LoadedEsmC> FromPth = new(() => EsmCCheckpoint.Load(Pth, withSequenceHead: true));
    private static readonly Lazy<LoadedEsmC> FromSafetensors = new(() => EsmCCheckpoint.Load(Folder, withSequenceHead: true));

    /// <summary>Shared read-only models (float32, CPU; forward passes do not change them).</summary>
    public static LoadedEsmC Model(string which) => which switch
    {
        "pth" => FromPth.Value,
        "safetensors" => FromSafetensors.Value,
        _ => throw new ArgumentException(which),
    };

    /// <summary>SWAT's batches for ESM C: FASTA order, closed before the token sum passes 4096.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> SwatBatches()
    {
        var batches = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        long sum = 0;
        for (int i = 0; i < Golden.Sequences.Count; i++)
        {
            long t = Golden.Sequences[i].Sequence.Length + 2;
            if (current.Count > 0 && sum + t > 4096)
            {
                batches.Add(current);
                current = [];
                sum = 0;
            }
            current.Add(i);
            sum += t;
        }
        batches.Add(current);
        return batches;
    }
}

/// <summary>ESM C forward against EvolutionaryScale's <c>ESMC</c> (fp32, CPU) and SWAT's pooled vectors.</summary>
public class EsmCGoldenTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public static TheoryData<string> Files => new() { "pth", "safetensors" };

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryLayerLogitsAndTokensOfEverySequenceMatchTheReference(string which)
    {
        var model = EsmCGolden.Model(which).Model;
        var expected = EsmCGolden.Expected;
        var seqs = Golden.Sequences;
        var batches = EsmCGolden.SwatBatches();
        // The reference's own batches: 11 sequences padded to 1865 tokens, then rand1023 alone.
        Assert.Equal([11, 1], batches.Select(b => b.Count));
        int compared = 0;
        var worst = new Dictionary<string, float>();
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var tokens = Batching.Tokens(model.Tokenizer, batch.Select(i => seqs[i].Sequence).ToList());
            using var output = model.Forward(tokens, [0, 1, 2], logits: true);
            using var raw = model.Forward(tokens, [2], lastBeforeNorm: true);
            for (int b = 0; b < batch.Count; b++)
            {
                var id = seqs[batch[b]].Id;
                long t = seqs[batch[b]].Sequence.Length + 2;
                Assert.Equal(expected[$"{id}.tokens"].data<long>().ToArray(), tokens[b, TensorIndex.Slice(0, t)].data<long>().ToArray());
                // Per-token rows, <cls> and <eos> included. PlmKit's layer 2 (= L) is the reference's `final`.
                foreach (var (layer, key) in new[] { (0, "layer0"), (1, "layer1"), (2, "final") })
                    AssertClose(output.Representations[layer][b, TensorIndex.Slice(0, t)], expected[$"{id}.{key}"], $"{which} {id} {key}", key, worst);
                AssertClose(raw.Representations[2][b, TensorIndex.Slice(0, t)], expected[$"{id}.layer2"], $"{which} {id} layer2 (before the final norm)", "layer2", worst);
                AssertClose(output.Logits![b, TensorIndex.Slice(0, t)], expected[$"{id}.logits"], $"{which} {id} logits", "logits", worst);
                AssertClose(output.Representations[2][b, 0], expected[$"{id}.bos"], $"{which} {id} bos", "bos", worst);
                // Pad rows are zero.
                if (t < tokens.shape[1])
                    Assert.Equal(0f, output.Representations[2][b, TensorIndex.Slice(t)].abs().max().item<float>());
                compared++;
            }
        }
        Assert.Equal(seqs.Count, compared);
        log.WriteLine($"{which}: max |diff| " + string.Join(", ", worst.Select(p => $"{p.Key} {p.Value:E1}")));
    }

    [Fact]
    public void MeanPoolingThroughTheEmbedderGivesSwatsVectors()
    {
        // A model of its own: the Embedder moves models (here a no-op, fp32 CPU), and others share the cached ones.
        using var loaded = new DisposableModel(EsmCCheckpoint.Load(EsmCGolden.Folder));
        var embedder = new Embedder(loaded.Model, new EmbedderOptions([0, 1, 2], Poolings.ParseList("mean"), Device: "cpu"));
        Assert.Equal(int.MaxValue, embedder.MaxResidues);
        var results = embedder.Embed(Golden.Sequences.Select(s => (s.Id, s.Sequence)).ToList()).ToList();
        Assert.Equal(Golden.Sequences.Count, results.Count);
        float worst = 0;
        foreach (var r in results)
        {
            Assert.Equal(LongSequenceHandling.Whole, r.Handling);   // BRCA1 (1863) and rand1023 whole: ESM C has no limit
            Assert.Equal(r.Length, r.ResiduesUsed);
            foreach (var v in r.Vectors)
            {
                // Layer L = after the final norm: SWAT's `mean`; layers 0, 1: the reference's mean.layer{k}.
                var key = v.Layer == 2 ? $"{r.Id}.mean" : $"{r.Id}.mean.layer{v.Layer}";
                float diff = Golden.MaxAbsDiff(v.Vector, EsmCGolden.Expected[key]);
                worst = Math.Max(worst, diff);
                Assert.True(diff < Golden.Atol, $"{r.Id} layer {v.Layer}: max |diff| {diff}");
            }
        }
        log.WriteLine($"pooled mean, layers 0..2: max |diff| {worst:E1}");
    }

    [Fact]
    public void BatchedEqualsOneSequenceBatches()
    {
        var model = EsmCGolden.Model("safetensors").Model;
        var seqs = Golden.Sequences.Where(s => s.Sequence.Length < 700).Select(s => s.Sequence).ToList();
        using var scope = NewDisposeScope();
        using var batched = model.Forward(Batching.Tokens(model.Tokenizer, seqs), [1, 2], logits: true);
        for (int i = 0; i < seqs.Count; i++)
        {
            long t = seqs[i].Length + 2;
            using var single = model.Forward(Batching.Tokens(model.Tokenizer, [seqs[i]]), [1, 2], logits: true);
            foreach (var k in new[] { 1, 2 })
                Assert.True(Golden.MaxAbsDiff(batched.Representations[k][i, TensorIndex.Slice(0, t)], single.Representations[k][0]) < 1e-5f, $"{i} layer {k}");
            Assert.True(Golden.MaxAbsDiff(batched.Logits![i, TensorIndex.Slice(0, t)], single.Logits![0]) < 1e-5f, $"{i} logits");
        }
    }

    [Fact]
    public void Bf16PooledVectorsAreWithinCosine0999OfFp32()
    {
        using var loaded = new DisposableModel(EsmCCheckpoint.Load(EsmCGolden.Pth));
        var seqs = Golden.Sequences.Select(s => (s.Id, s.Sequence)).ToList();
        var bf16 = new Embedder(loaded.Model, new EmbedderOptions([1, 2], Poolings.ParseList("mean"), Dtype: EmbedDtype.Bf16, Device: "cpu")).Embed(seqs).ToList();
        Assert.Equal(ScalarType.BFloat16, ((EsmCModel)loaded.Model).WeightType);
        double lowest = 1;
        foreach (var r in bf16)
            foreach (var v in r.Vectors)
            {
                var reference = EsmCGolden.Expected[v.Layer == 2 ? $"{r.Id}.mean" : $"{r.Id}.mean.layer{v.Layer}"].data<float>().ToArray();
                double cosine = Cosine(v.Vector, reference);
                lowest = Math.Min(lowest, cosine);
                Assert.True(cosine > 0.999, $"{r.Id} layer {v.Layer}: cosine {cosine}");
            }
        log.WriteLine($"bf16 vs fp32 pooled vectors: lowest cosine {lowest:F6}");
    }

    [Fact]
    public void TheZooLoadsTheFolderAsEsmC()
    {
        var loaded = ModelZoo.Load(EsmCGolden.Folder);
        using var model = loaded.Model;
        Assert.IsType<EsmCModel>(model);
        Assert.Equal("esmc_tiny", loaded.Name);
        Assert.Equal(new ModelInfo("esmc", 2, 64, 4, ((EsmCModel)model).parameters().Sum(p => p.numel()), null, null, "see the model's source"), model.Info);
        Assert.Equal(64 * 64 + 2 * (2 * 64 + 3 * 64 * 64 + 2 * 64 + 64 * 64 + 2 * 64 + 3 * 256 * 64) + 64, model.Info.Parameters);
        Assert.Equal([Path.Combine(EsmCGolden.Folder, "model.safetensors")], loaded.WeightFiles);
        // A .pth with the config beside it is ESM C's too.
        Assert.IsType<EsmCFamily>(ModelZoo.FamilyOf(EsmCGolden.Pth));
    }

    [Fact]
    public void PthAndSafetensorsGiveIdenticalWeights()
    {
        var a = EsmCGolden.Model("pth").Model.state_dict();
        var b = EsmCGolden.Model("safetensors").Model.state_dict();
        Assert.Equal(28, a.Count);   // 8 + 10 per layer, the sequence head's 6 included
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys) Assert.True(a[key].equal(b[key]).all().item<bool>(), key);
        // The module names are the file's names: nothing translated.
        var file = TorchSharp.PyBridge.Safetensors.LoadStateDict(EsmCGolden.Safetensors);
        Assert.Equal(file.Keys.Order(), a.Keys.Order());
    }

    [Fact]
    public void TokenizerIsTheOfficialSequenceVocabulary()
    {
        var vocab = File.ReadAllLines(Path.Combine(EsmCGolden.Folder, "sequence_vocab.txt")).Where(l => l.Length > 0).ToList();
        Assert.Equal(vocab, EsmCTokenizer.Instance.Vocabulary);
        Assert.Equal([0, 4, 5, 24, 25, 26, 27, 28, 2], EsmCTokenizer.Instance.Tokenize("LAXBUZO"));
        Assert.Equal([0, 4, 2], EsmCTokenizer.Instance.Tokenize("LAG", maxResidues: 1));
        Assert.Equal(1, EsmCTokenizer.Instance.Pad);
        Assert.Throws<InputException>(() => EsmCTokenizer.Instance.Tokenize("MK|T"));
    }

    [Fact]
    public void ConfigDerivesTheReleasedSizes()
    {
        var small = EsmCConfig.OfReleasedFile("esmc_300m_2024_12_v0.pth")!;
        var large = EsmCConfig.OfReleasedFile("esmc_600m_2024_12_v0.pth")!;
        Assert.Equal((960, 15, 30, 2560, 64), (small.DModel, small.Heads, small.Layers, small.FfnHidden, small.HeadDim));
        Assert.Equal((1152, 18, 36, 3072), (large.DModel, large.Heads, large.Layers, large.FfnHidden));
        Assert.Equal(0.912870929, small.ResidueScaling, 8);
        Assert.Equal(1.0, large.ResidueScaling);
        Assert.Equal(256, new EsmCConfig(64, 4, 2).FfnHidden);
        Assert.Equal(256, new EsmCConfig(96, 4, 2).FfnHidden);
        Assert.Null(EsmCConfig.OfReleasedFile("esmc_tiny.pth"));
        Assert.Equal("EvolutionaryScale Cambrian Open License", EsmCModel.LicenceOf(small));
        Assert.Equal("EvolutionaryScale Cambrian Non-Commercial License", EsmCModel.LicenceOf(large));
        Assert.Throws<ModelLoadException>(() => new EsmCConfig(64, 3, 2).Validate("x"));
        Assert.Throws<ModelLoadException>(() => new EsmCConfig(60, 4, 2).Validate("x"));   // head width 15: odd
        // The count matches a built model (a small odd shape: building 300M would take seconds).
        var shape = new EsmCConfig(96, 6, 3);
        using var model = new EsmCModel(shape);
        Assert.Equal(model.parameters().Sum(p => p.numel()), shape.EncoderParameters);
    }

    private static void AssertClose(Tensor actual, Tensor expected, string what, string kind, Dictionary<string, float> worst)
    {
        float diff = Golden.MaxAbsDiff(actual, expected);
        worst[kind] = Math.Max(worst.GetValueOrDefault(kind), diff);
        Assert.True(diff < Golden.Atol, $"{what}: max |diff| {diff}");
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    private sealed class DisposableModel(LoadedModel loaded) : IDisposable
    {
        public IProteinModel Model => loaded.Model;
        public void Dispose() => loaded.Model.Dispose();
    }
}

/// <summary>The ESM C forward pass holds every Scalar it passes (see <see cref="ScalarLifetimeTests"/>).</summary>
[Collection(nameof(GarbageCollectionStress))]
public class EsmCScalarLifetimeTests
{
    [Fact]
    public void ForwardPassesSurviveCollectionsOnAnotherThread()
    {
        var model = EsmCGolden.Model("pth").Model;
        // Mixed lengths: padding, several runs, rotary tables of several lengths.
        string[] sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "MKV", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "MKV"];
        using var expected = model.Forward(Batching.Tokens(model.Tokenizer, sequences), [2], logits: true);
        using var reference = expected.Representations[2].clone();
        bool stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
                // A breath between collections: back-to-back ones stop the world so often on a
                // loaded machine that the forward pass barely runs (34 passes a minute in CI);
                // hundreds a second still land inside every native call many times over.
                Thread.Sleep(1);
            }
        });
        collector.Start();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int passes = 0;
            while (passes < 200 && clock.Elapsed.TotalSeconds < 90)
            {
                using var scope = NewDisposeScope();
                using var output = model.Forward(Batching.Tokens(model.Tokenizer, sequences), [2], logits: true);
                if (++passes % 20 == 0)
                    Assert.True(Golden.MaxAbsDiff(output.Representations[2], reference) == 0f, $"pass {passes} differs");
            }
            Assert.True(passes >= 50, $"only {passes} passes in 90 s");
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
