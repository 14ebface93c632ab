using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Amplify;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>The golden AMPLIFY model and the reference outputs (../shared/golden/amplify_tiny), loaded once.</summary>
public static class AmplifyGolden
{
    public static string Folder => Path.Combine(SharedData.Golden, "amplify_tiny");

    private static readonly Lazy<Dictionary<string, Tensor>> ExpectedLazy = new(() =>
    {
        TorchRuntime.EnsureLoaded();
        var state = Safetensors.LoadStateDict(Path.Combine(SharedData.Golden, "expected", "amplify_tiny.safetensors"));
        // First used inside a test's dispose scope: keep them out of it.
        foreach (var t in state.Values) t.DetachFromDisposeScope();
        return state;
    });

    public static Dictionary<string, Tensor> Expected => ExpectedLazy.Value;

    // Shared read-only models (forward passes do not change them). The default one comes through
    // the zoo, so family dispatch is part of every test that uses it.
    private static readonly Lazy<AmplifyModel> ZooLoaded = new(() => (AmplifyModel)ModelZoo.Load(Folder).Model);
    private static readonly Lazy<AmplifyModel> WithHead = new(() => AmplifyCheckpoint.Load(Folder, withLmHead: true).Model);
    private static readonly Lazy<AmplifyModel> RmsNorm = new(() => AmplifyCheckpoint.Load(Folder, AmplifyFinal.ModelRmsNorm).Model);
    private static readonly Lazy<AmplifyModel> NoNorm = new(() => AmplifyCheckpoint.Load(Folder, AmplifyFinal.None).Model);

    public static AmplifyModel Model => ZooLoaded.Value;
    public static AmplifyModel ModelWithHead => WithHead.Value;

    public static AmplifyModel Variant(AmplifyFinal final) => final switch
    {
        AmplifyFinal.SwatLayerNorm => ZooLoaded.Value,
        AmplifyFinal.ModelRmsNorm => RmsNorm.Value,
        _ => NoNorm.Value,
    };
}

/// <summary>Every layer, pooled vectors and logits against the official AMPLIFY code and SWAT's extract_AMPLIFY.py (fp32).</summary>
public class AmplifyGoldenTests
{
    private static IReadOnlyList<(string Id, string Sequence)> All => Golden.Sequences.Select(s => (s.Id, s.Sequence)).ToList();

    private static Tensor E(string key) => AmplifyGolden.Expected[key];

    /// <summary>SWAT's fresh nn.LayerNorm(D) applied to the golden per-token layer 2.</summary>
    private static Tensor SwatLayerNorm(Tensor x) => nn.functional.layer_norm(x, [x.shape[1]], null, null, 1e-5);

    private static void Near(Tensor actual, Tensor expected, string what, float atol = Golden.Atol)
    {
        float d = Golden.MaxAbsDiff(actual, expected);
        Assert.True(d < atol, $"{what}: max |diff| {d}");
    }

    [Fact]
    public void EveryLayerTokensAndLogitsOfEverySequenceMatchOneSequenceCalls()
    {
        // The study's mode: one sequence per call, no padding (BRCA1's 1,863 residues are under AMPLIFY's 2,046).
        var model = AmplifyGolden.ModelWithHead;
        foreach (var (id, seq) in All)
        {
            using var scope = NewDisposeScope();
            var tokens = Batching.Tokens(model.Tokenizer, [seq]);
            Assert.Equal(E($"{id}.tokens").data<long>().ToArray(), tokens[0].data<long>().ToArray());
            using var output = model.Forward(tokens, [0, 1, 2], logits: true);
            int n = seq.Length;
            Near(output.Representations[0][0], E($"{id}.layer0"), $"{id} layer 0");
            Near(output.Representations[1][0], E($"{id}.layer1"), $"{id} layer 1");
            Near(output.Representations[2][0], SwatLayerNorm(E($"{id}.layer2")), $"{id} layer 2 (SWAT LayerNorm)");
            Near(output.Logits![0], E($"{id}.logits"), $"{id} logits");
            for (int k = 0; k < 2; k++)
                Near(output.Representations[k][0].narrow(0, 1, n).mean([0]), E($"{id}.mean.layer{k}"), $"{id} mean layer {k}");
            Near(output.Representations[2][0].narrow(0, 1, n).mean([0]), E($"{id}.mean"), $"{id} SWAT mean");
        }
    }

    [Theory]
    [InlineData(AmplifyFinal.None)]
    [InlineData(AmplifyFinal.ModelRmsNorm)]
    public void TheOtherFinalVariantsGiveTheRawLastBlockAndTheModelNorm(AmplifyFinal final)
    {
        var model = AmplifyGolden.Variant(final);
        foreach (var (id, seq) in All)
        {
            using var scope = NewDisposeScope();
            using var output = model.Forward(Batching.Tokens(model.Tokenizer, [seq]), [1, 2]);
            var last = output.Representations[2][0];
            var mean = last.narrow(0, 1, seq.Length).mean([0]);
            if (final == AmplifyFinal.None)
            {
                Near(last, E($"{id}.layer2"), $"{id} raw layer 2");
                Near(mean, E($"{id}.mean_nonorm"), $"{id} mean_nonorm");
                Near(mean, E($"{id}.mean.layer2"), $"{id} mean layer 2");
            }
            else
            {
                Near(last, E($"{id}.final"), $"{id} final");
                Near(mean, E($"{id}.mean_finalnorm"), $"{id} mean_finalnorm");
            }
            // Layers below L do not depend on the variant.
            Near(output.Representations[1][0], E($"{id}.layer1"), $"{id} layer 1");
        }
    }

    [Fact]
    public void PaddedBatchesEqualOneSequenceBatches()
    {
        var model = AmplifyGolden.ModelWithHead;
        var seqs = Golden.Sequences;
        var batches = Batching.BatchIndices(seqs.Select(s => s.Sequence.Length).ToList());
        Assert.True(batches.Any(b => b.Length > 3), "some batch mixes lengths");
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var tokens = Batching.Tokens(model.Tokenizer, batch.Select(i => seqs[i].Sequence).ToList());
            using var output = model.Forward(tokens, [0, 1, 2], logits: true);
            for (int b = 0; b < batch.Length; b++)
            {
                var (id, n) = (seqs[batch[b]].Id, seqs[batch[b]].Sequence.Length);
                var rows = TensorIndex.Slice(0, n + 2);
                Near(output.Representations[0][b, rows], E($"{id}.layer0"), $"{id} batched layer 0");
                Near(output.Representations[1][b, rows], E($"{id}.layer1"), $"{id} batched layer 1");
                Near(output.Representations[2][b, rows], SwatLayerNorm(E($"{id}.layer2")), $"{id} batched layer 2");
                Near(output.Logits![b, rows], E($"{id}.logits"), $"{id} batched logits");
                // Pad positions are zero.
                if (n + 2 < tokens.shape[1])
                    Assert.Equal(0f, output.Representations[2][b, TensorIndex.Slice(n + 2)].abs().max().item<float>());
            }
        }
    }

    [Fact]
    public void EmbedderMeanPoolReproducesSwatsVectors()
    {
        var embedder = new Embedder(AmplifyGolden.Model, new EmbedderOptions([0, 1, 2], Poolings.ParseList("mean"), Device: "cpu"));
        Assert.Equal(2046, embedder.MaxResidues);
        var results = embedder.Embed(All).ToList();
        Assert.Equal(All.Count, results.Count);
        foreach (var r in results)
        {
            Assert.Equal(LongSequenceHandling.Whole, r.Handling);
            foreach (var v in r.Vectors)
            {
                var key = v.Layer == 2 ? $"{r.Id}.mean" : $"{r.Id}.mean.layer{v.Layer}";
                Assert.True(Golden.MaxAbsDiff(v.Vector, E(key)) < Golden.Atol, $"{r.Id} layer {v.Layer}");
            }
        }
    }

    [Fact]
    public void Bf16StaysWithinCosine0999OfFp32()
    {
        // A private copy: the embedder casts the model it is given.
        var model = AmplifyCheckpoint.Load(AmplifyGolden.Folder).Model;
        var embedder = new Embedder(model, new EmbedderOptions([2], Poolings.ParseList("mean"), Dtype: EmbedDtype.Bf16, Device: "cpu"));
        Assert.Equal(ScalarType.BFloat16, model.WeightType);
        foreach (var r in embedder.Embed(All))
        {
            var a = r.Vectors[0].Vector;
            var b = E($"{r.Id}.mean").data<float>().ToArray();
            double cos = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
            Assert.True(cos >= 0.999, $"{r.Id}: cosine {cos}");
        }
    }

    [Fact]
    public void ZooLoadDispatchesToAmplifyWithTheStudysFamilyKeyAndLimits()
    {
        Assert.IsType<AmplifyFamily>(ModelZoo.FamilyOf(AmplifyGolden.Folder));
        var loaded = ModelZoo.Load(AmplifyGolden.Folder);
        Assert.Equal("amplify_tiny", loaded.Name);
        Assert.Equal([Path.Combine(AmplifyGolden.Folder, "model.safetensors")], loaded.WeightFiles);
        var info = loaded.Model.Info;
        Assert.Equal(new ModelInfo("amplify", 2, 64, 4, info.Parameters, 2046, 2046, "MIT"), info);
        // Encoder weights: everything loaded except the decoder.
        var withHead = AmplifyGolden.ModelWithHead;
        long encoder = withHead.named_parameters().Where(p => !p.name.StartsWith("decoder.", StringComparison.Ordinal)).Sum(p => p.parameter.numel());
        Assert.Equal(encoder, info.Parameters);
        Assert.Equal(27 * 64 + 2 * (4 * 64 * 64 + 3 * 176 * 64 + 2 * 64) + 64, info.Parameters);
        Assert.Equal("amplify+rmsnorm", AmplifyGolden.Variant(AmplifyFinal.ModelRmsNorm).Info.Family);
        Assert.Equal("amplify+nonorm", AmplifyGolden.Variant(AmplifyFinal.None).Info.Family);
    }

    [Fact]
    public void ReleasedShapesGiveTheReferenceFfnWidthAndParameterCount()
    {
        var small = new AmplifyConfig(640, 24, 10, 2560);
        var large = new AmplifyConfig(960, 32, 15, 3840);
        Assert.Equal(1712, small.FfnHidden);
        Assert.Equal(2560, large.FfnHidden);
        Assert.Equal(176, new AmplifyConfig(64, 2, 4, 256).FfnHidden);
        Assert.Equal(118_259_200, small.EncoderParameters);
    }

    [Fact]
    public void TokenizerMapsRareLettersToUnkAndKeepsB()
    {
        var tokenizer = AmplifyGolden.Model.AmplifyTokenizer;
        Assert.Equal(AmplifyTokenizer.ReleasedVocabulary, tokenizer.Vocabulary);
        Assert.Equal([3L, 22, 1, 26, 1, 1, 1, 7, 4], tokenizer.Tokenize("MXBUZOA"));
        Assert.Equal([3L, 22, 17, 4], tokenizer.Tokenize("MKTAY", maxResidues: 2));
        Assert.Throws<InputException>(() => tokenizer.Tokenize("MK*"));
    }

    [Fact]
    public void TokenizerJsonVocabularyIsRead()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(AmplifyGolden.Folder, "config.json"), dir.Sub("config.json"));
        // Reversed letter order: proves the file is read, not the built-in vocabulary.
        var vocab = AmplifyTokenizer.ReleasedVocabulary.Take(6).Concat(AmplifyTokenizer.ReleasedVocabulary.Skip(6).Reverse()).ToList();
        var json = "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {" +
                   string.Join(", ", vocab.Select((t, i) => $"\"{t}\": {i}")) + "}, \"unk_token\": \"<unk>\"}}";
        dir.Write("tokenizer.json", json);
        var config = AmplifyConfig.Read(dir.Sub("config.json"));
        var tokenizer = AmplifyTokenizer.ForFolder(dir.Path, config, dir.Sub("config.json"));
        Assert.Equal(vocab, tokenizer.Vocabulary);
        Assert.Equal([3L, 6, 26, 4], tokenizer.Tokenize("BL"));
    }

    [Fact]
    public void InputsOverMaxLengthAreRefused()
    {
        var model = AmplifyGolden.Model;
        var tokens = Batching.Tokens(model.Tokenizer, [new string('A', 2047)]);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tokens, [2]));
        Assert.Contains("2049 tokens", e.Message);
        var embedder = new Embedder(model, new EmbedderOptions([2], Poolings.ParseList("mean"), Device: "cpu"));
        var ie = Assert.Throws<InputException>(() => embedder.Embed([("long", new string('A', 2047))]));
        Assert.Contains("longer than 2046 residues", ie.Message);
    }
}
