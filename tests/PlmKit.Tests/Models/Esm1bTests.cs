using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>
/// ESM-1b / ESM-1v architecture against fair-esm on a random tiny checkpoint (Fixtures/, made by
/// make_esm1b_fixture.py through fair-esm's own loader and forward).
/// </summary>
public class Esm1bTests
{
    private static string Fixtures => Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Models", "Fixtures");

    [Fact]
    public void EveryLayerAndLogitsMatchFairEsm()
    {
        var loaded = EsmCheckpoint.Load(Path.Combine(Fixtures, "esm1v_t2_32_tiny.pt"), withLmHead: true);
        var model = loaded.Model;
        Assert.IsType<Esm1bModel>(model);
        Assert.Equal(new EsmConfig(EsmArchitecture.Esm1b, 2, 32, 4, 128, TokenDropout: true, EmbLayerNormBefore: true, MaxPositions: 126), model.Config);
        var expected = PyTorchUnpickler.UnpickleStateDict(Path.Combine(Fixtures, "esm1v_t2_32_tiny.expected.pt"));
        var seqs = Golden.Sequences.Where(s => s.Sequence.Length <= 124).ToList();
        Assert.Equal(6, seqs.Count);

        using var scope = NewDisposeScope();
        var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, seqs.Select(s => s.Sequence).ToList());
        using var output = model.Forward(tokens, [0, 1, 2], logits: true);
        for (int b = 0; b < seqs.Count; b++)
        {
            int t = seqs[b].Sequence.Length + 2;
            var id = seqs[b].Id;
            Assert.Equal(((Tensor)expected[$"{id}.tokens"]!).data<long>().ToArray(), tokens[b, TensorIndex.Slice(0, t)].data<long>().ToArray());
            foreach (int k in new[] { 0, 1, 2 })
                Assert.True(Golden.MaxAbsDiff(output.Representations[k][b, TensorIndex.Slice(0, t)], (Tensor)expected[$"{id}.layer{k}"]!) < Golden.Atol, $"{id} layer {k}");
            Assert.True(Golden.MaxAbsDiff(output.Logits![b, TensorIndex.Slice(0, t)], (Tensor)expected[$"{id}.logits"]!) < 5e-4f, $"{id} logits");
        }
    }

    [Fact]
    public void HuggingFaceLayoutOfTheSameModelGivesTheSameStates()
    {
        // transformers' EsmForMaskedLM names for ESM-1b: embeddings.position_embeddings (with the
        // padding offset: 126 + 2 rows) and embeddings.layer_norm; config as convert_esm.py writes it.
        var dir = Directory.CreateTempSubdirectory("plmkit-esm1b-").FullName;
        try
        {
            var pt = EsmCheckpoint.Load(Path.Combine(Fixtures, "esm1v_t2_32_tiny.pt")).Model;
            var state = pt.state_dict().ToDictionary(kv => EsmCheckpoint.FairToHf(kv.Key), kv => kv.Value);
            Assert.Contains("esm.embeddings.position_embeddings.weight", state.Keys);
            Assert.Contains("esm.embeddings.layer_norm.weight", state.Keys);
            using (var stream = File.Create(Path.Combine(dir, "model.safetensors")))
                Safetensors.SaveStateDict(stream, state);
            File.WriteAllText(Path.Combine(dir, "config.json"), """
                {"model_type": "esm", "vocab_size": 33, "hidden_size": 32, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "intermediate_size": 128, "max_position_embeddings": 128,
                 "position_embedding_type": "absolute", "emb_layer_norm_before": true, "token_dropout": true,
                 "pad_token_id": 1, "mask_token_id": 32, "layer_norm_eps": 1e-05}
                """);
            var hf = EsmCheckpoint.Load(dir).Model;
            Assert.Equal(pt.Config, hf.Config);
            using var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, Golden.Sequences.Where(r => r.Sequence.Length <= 124).Select(r => r.Sequence).ToList());
            using var a = pt.Forward(tokens, [2]);
            using var b = hf.Forward(tokens, [2]);
            Assert.Equal(0f, Golden.MaxAbsDiff(a.Representations[2], b.Representations[2]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LongerThanTheLearnedPositionsIsRefused()
    {
        var model = EsmCheckpoint.Load(Path.Combine(Fixtures, "esm1v_t2_32_tiny.pt")).Model;
        Assert.Equal(124, model.Config.MaxResidues);
        Assert.Equal(model.parameters().Sum(p => p.numel()), model.Config.EncoderParameters);
        using var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, [new string('A', 125)]);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tokens, [2]));
        Assert.Contains("127 tokens exceed this model's 126 positions", e.Message);
    }
}
