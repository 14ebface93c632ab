using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>Per-layer outputs against fair-esm (extract.py batches, fp32), from both file formats.</summary>
public class Esm2GoldenTests
{
    // extract.py's truncation_seq_length.
    private const int Truncation = 1022;

    public static TheoryData<string> Models => new() { "tiny", "tiny.pt", "esm2_8M_shape" };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryLayerOfEverySequenceMatchesFairEsm(string which)
    {
        var loaded = Golden.Model(which);
        var model = loaded.Model;
        var expected = Golden.Expected(which == "tiny.pt" ? "tiny" : which);
        var seqs = Golden.Sequences;
        var allLayers = Enumerable.Range(0, model.Config.Layers + 1).ToArray();
        var batches = Batching.BatchIndices(seqs.Select(s => s.Sequence.Length).ToList());
        Assert.Equal(3, batches.Count);
        int compared = 0;
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, batch.Select(i => seqs[i].Sequence).ToList(), Truncation);
            using var output = model.Forward(tokens, allLayers, logits: model.HasLmHead);
            for (int b = 0; b < batch.Length; b++)
            {
                var rec = seqs[batch[b]];
                int n = Math.Min(rec.Sequence.Length, Truncation);
                // Tokens exact.
                var tok = tokens[b, TensorIndex.Slice(0, n + 2)];
                Assert.Equal(expected[$"{rec.Id}.tokens"].data<long>().ToArray(), tok.data<long>().ToArray());
                foreach (int k in allLayers)
                {
                    var states = output.Representations[k][b];
                    var residues = states[TensorIndex.Slice(1, n + 1)];
                    if (expected.TryGetValue($"{rec.Id}.layer{k}", out var perToken))
                    {
                        Assert.True(Golden.MaxAbsDiff(residues, perToken) < Golden.Atol, $"{which} {rec.Id} layer {k} per-token");
                        compared++;
                    }
                    Assert.True(Golden.MaxAbsDiff(residues.mean([0]), expected[$"{rec.Id}.mean.layer{k}"]) < Golden.Atol, $"{which} {rec.Id} mean layer {k}");
                    Assert.True(Golden.MaxAbsDiff(states[0], expected[$"{rec.Id}.bos.layer{k}"]) < Golden.Atol, $"{which} {rec.Id} bos layer {k}");
                }
                if (output.Logits is not null)
                    Assert.True(Golden.MaxAbsDiff(output.Logits[b, TensorIndex.Slice(0, n + 2)], expected[$"{rec.Id}.logits"]) < 5e-4f, $"{which} {rec.Id} logits");
            }
        }
        Assert.True(compared >= seqs.Count, "per-token references were compared");
    }

    [Fact]
    public void BatchOfOneEqualsBatched()
    {
        var model = Golden.Model("esm2_8M_shape").Model;
        var seqs = Golden.Sequences.Where(s => s.Sequence.Length < 300).ToList();
        int last = model.Config.Layers;
        using var scope = NewDisposeScope();
        using var batched = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, seqs.Select(s => s.Sequence).ToList()), [last]);
        for (int i = 0; i < seqs.Count; i++)
        {
            int n = seqs[i].Sequence.Length;
            using var single = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, [seqs[i].Sequence]), [last]);
            var a = batched.Representations[last][i, TensorIndex.Slice(0, n + 2)];
            var b = single.Representations[last][0];
            Assert.True(Golden.MaxAbsDiff(a, b) < 1e-5f, seqs[i].Id);
        }
    }

    [Fact]
    public void LoadedInvFreqIsTheStoredOneNotRecomputed()
    {
        var model = Golden.Model("tiny").Model;
        var buffers = model.named_buffers().Where(b => b.name.EndsWith("rot_emb.inv_freq", StringComparison.Ordinal)).ToList();
        Assert.Equal(model.Config.Layers, buffers.Count);
        var stored = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(Golden.TinyFolder, "model.safetensors"));
        foreach (var (name, buffer) in buffers)
        {
            int layer = int.Parse(name.Split('.')[1]);
            var file = stored[$"esm.encoder.layer.{layer}.attention.self.rotary_embeddings.inv_freq"];
            Assert.Equal(file.data<float>().ToArray(), buffer.data<float>().ToArray());
        }
        // The README's fp16-rounded values, not 1/10000^(2i/d).
        Assert.Equal(0.09997559f, buffers[0].buffer[1].item<float>(), 7);
    }

    [Fact]
    public void EncoderParameterCountMatchesTheLoadedWeights()
    {
        var model = Golden.Model("esm2_8M_shape").Model;
        Assert.Equal(model.parameters().Sum(p => p.numel()), model.Config.EncoderParameters);
        Assert.Equal(7_408_960, model.Config.EncoderParameters);
    }

    [Fact]
    public void HuggingFaceAndFairEsmFilesGiveIdenticalWeights()
    {
        var hf = Golden.Model("tiny").Model.state_dict();
        var pt = Golden.Model("tiny.pt").Model.state_dict();
        Assert.Equal(hf.Keys.Order(), pt.Keys.Order());
        foreach (var key in hf.Keys)
            Assert.True(hf[key].equal(pt[key]).all().item<bool>(), key);
    }
}
