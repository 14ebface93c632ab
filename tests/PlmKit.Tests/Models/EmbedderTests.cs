using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

public class EmbedderTests
{
    private static IReadOnlyList<(string Id, string Sequence)> All => Golden.Sequences.Select(s => (s.Id, s.Sequence)).ToList();

    private static float[] Expected(string model, string key) => Golden.Expected(model)[key].data<float>().ToArray();

    private static float MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }

    [Fact]
    public void TruncatePolicyReproducesExtractPyMeanAndBosForEveryLayer()
    {
        var model = Golden.Model("esm2_8M_shape").Model;
        var embedder = new Embedder(model, new EmbedderOptions(Enumerable.Range(0, 7).ToList(), Poolings.ParseList("mean,bos"),
            LongPolicy: LongSequencePolicy.Truncate, Device: "cpu"));
        var results = embedder.Embed(All).ToList();
        Assert.Equal(Enumerable.Range(0, All.Count), results.Select(r => r.Index).Order());
        foreach (var r in results)
        {
            Assert.Equal(r.Length > 1022 ? LongSequenceHandling.Truncated : LongSequenceHandling.Whole, r.Handling);
            Assert.Equal(Math.Min(r.Length, 1022), r.ResiduesUsed);
            foreach (var v in r.Vectors)
                Assert.True(MaxAbs(v.Vector, Expected("esm2_8M_shape", $"{r.Id}.{v.Pool}.layer{v.Layer}")) < Golden.Atol, $"{r.Id} {v.Pool} {v.Layer}");
        }
        // Streams in extract.py's batch order: shortest first.
        Assert.Equal("single_M", results[0].Id);
        Assert.Equal("BRCA1_HUMAN_RING", results[^1].Id);
    }

    [Fact]
    public void ErrorPolicyNamesTheLongSequences()
    {
        var embedder = new Embedder(Golden.Model("tiny").Model, new EmbedderOptions([2], Poolings.ParseList("mean"), Device: "cpu"));
        var e = Assert.Throws<InputException>(() => embedder.Embed(All, "sequences.fasta"));
        Assert.Contains("2 sequences are longer than 1022 residues ('BRCA1_HUMAN_RING' 1863, 'rand1023' 1023)", e.Message);
        Assert.StartsWith("sequences.fasta:", e.Message);
    }

    [Fact]
    public void InvalidSequencesStopTheRunBeforeAnyBatch()
    {
        var embedder = new Embedder(Golden.Model("tiny").Model, new EmbedderOptions([2], Poolings.ParseList("mean"), Device: "cpu"));
        var e = Assert.Throws<InputException>(() => embedder.Embed([("a", "MKT"), ("b", "MK-T")]));
        Assert.Contains("'b' has gaps at 3", e.Message);
    }

    [Fact]
    public void WindowStartsCoverTheSequenceWithALastWindowAtTheEnd()
    {
        Assert.Equal([0, 511, 841], Embedder.WindowStarts(1863, 1022, 511));
        Assert.Equal([0, 1], Embedder.WindowStarts(1023, 1022, 511));
        Assert.Equal([0], Embedder.WindowStarts(1022, 1022, 511));
        Assert.Equal([0, 20, 40, 50], Embedder.WindowStarts(100, 50, 20));
    }

    [Fact]
    public void WindowsAverageOverlappingStatesAndLeaveShortSequencesUntouched()
    {
        var model = Golden.Model("tiny").Model;
        var embedder = new Embedder(model, new EmbedderOptions([0, 2], Poolings.ParseList("mean,bos"), LongPolicy: LongSequencePolicy.Windows, Device: "cpu", PerToken: true));
        var results = embedder.Embed(All).ToDictionary(r => r.Id);

        // Short sequences: exactly the fair-esm per-token states.
        foreach (var id in new[] { "IF1_ECOLI", "rand600", "short5" })
        {
            Assert.Equal(LongSequenceHandling.Whole, results[id].Handling);
            Assert.True(MaxAbs(results[id].PerToken![2], Expected("tiny", $"{id}.layer2")) < Golden.Atol, id);
        }

        // BRCA1: three windows [0,1022), [511,1533), [841,1863); each residue averaged over its windows.
        var brca = Golden.Sequences.Single(s => s.Id == "BRCA1_HUMAN_RING").Sequence;
        var r = results["BRCA1_HUMAN_RING"];
        Assert.Equal((LongSequenceHandling.Windowed, 3, 1863), (r.Handling, r.Windows, r.ResiduesUsed));
        const int d = 32;
        var sum = new double[brca.Length * d];
        var count = new int[brca.Length];
        var bos = new double[d];
        foreach (int start in new[] { 0, 511, 841 })
        {
            using var scope = NewDisposeScope();
            using var output = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, [brca.Substring(start, 1022)]), [2]);
            var states = output.Representations[2][0].data<float>().ToArray();
            for (int i = 0; i < 1022; i++)
            {
                count[start + i]++;
                for (int j = 0; j < d; j++) sum[(start + i) * d + j] += states[(i + 1) * d + j];
            }
            for (int j = 0; j < d; j++) bos[j] += states[j] / 3.0;
        }
        Assert.Equal(1, count[0]);
        Assert.Equal(2, count[600]);
        Assert.Equal(3, count[900]);
        var expected = sum.Select((s, k) => (float)(s / count[k / d])).ToArray();
        Assert.True(MaxAbs(r.PerToken![2], expected) < 1e-5f);
        Assert.True(MaxAbs(r.Vectors.Single(v => v.Layer == 2 && v.Pool == "bos").Vector, bos.Select(x => (float)x).ToArray()) < 1e-5f);
        var mean = Enumerable.Range(0, d).Select(j => (float)Enumerable.Range(0, brca.Length).Average(i => expected[i * d + j])).ToArray();
        Assert.True(MaxAbs(r.Vectors.Single(v => v.Layer == 2 && v.Pool == "mean").Vector, mean) < 1e-5f);
        // Windows differ from full attention (the golden .full run), as they should.
        Assert.True(MaxAbs(r.PerToken[2], Expected("tiny", "BRCA1_HUMAN_RING.layer2.full")) > 1e-3f);
        // Layer 0 has no attention, so windowing leaves it equal to the full run.
        Assert.True(MaxAbs(r.PerToken[0], Expected("tiny", "BRCA1_HUMAN_RING.layer0.full")) < Golden.Atol);
    }

    [Fact]
    public void ParseLayersFollowsExtractPy()
    {
        Assert.Equal([6], EmbedderOptions.ParseLayers("-1", 6));
        Assert.Equal([0, 3, 6], EmbedderOptions.ParseLayers("0, 3,-1,6", 6));
        Assert.Equal(Enumerable.Range(0, 7), EmbedderOptions.ParseLayers("all", 6));
        Assert.Contains("out of range", Assert.Throws<ConfigurationException>(() => EmbedderOptions.ParseLayers("7", 6)).Message);
        Assert.Contains("'x'", Assert.Throws<ConfigurationException>(() => EmbedderOptions.ParseLayers("1,x", 6)).Message);
    }

    [Fact]
    public void UnknownPoolIsAConfigurationError()
    {
        var e = Assert.Throws<ConfigurationException>(() => new Embedder(Golden.Model("tiny").Model, new EmbedderOptions([2], Poolings.ParseList("median"), Device: "cpu")));
        Assert.Contains("unknown pooling 'median'", e.Message);
    }

    [Fact]
    public void Bf16StaysWithinCosine0999OfFp32()
    {
        // A private copy: the embedder casts the model it is given.
        var model = EsmCheckpoint.Load(Golden.Esm8MFolder).Model;
        var embedder = new Embedder(model, new EmbedderOptions([6], Poolings.ParseList("mean"), Dtype: EmbedDtype.Bf16, LongPolicy: LongSequencePolicy.Truncate, Device: "cpu"));
        Assert.Equal(ScalarType.BFloat16, model.WeightType);
        foreach (var r in embedder.Embed(All.Where(s => s.Sequence.Length < 700).ToList()))
        {
            var a = r.Vectors[0].Vector;
            var b = Expected("esm2_8M_shape", $"{r.Id}.mean.layer6");
            double cos = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
            Assert.True(cos >= 0.999, $"{r.Id}: cosine {cos}");
        }
    }
}
