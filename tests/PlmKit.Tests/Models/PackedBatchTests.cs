using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>
/// The model computes only real tokens (packed rows, attention per run of equal-length rows):
/// every layout of a batch must give each row what it gets alone, and pad positions are zero.
/// </summary>
public class PackedBatchTests
{
    private static readonly string[] Sequences = ["MKTAYIAKQR", "MKV", "MKTAYIAKQR", "MKTAYIAKQR", "GGSWLLKV", "MKV", "A"];

    [Fact]
    public void RunsOfEqualLengthsInAnyOrderMatchSingleRows()
    {
        var model = Golden.Model("esm2_8M_shape").Model;
        int last = model.Config.Layers;
        using var scope = NewDisposeScope();
        // Unsorted (runs of one, two and one rows) and length-sorted (runs of up to three rows).
        var sorted = Sequences.OrderBy(s => s.Length).ToList();
        foreach (var order in new[] { Sequences.ToList(), sorted })
        {
            using var batched = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, order), [0, 3, last], logits: false);
            for (int i = 0; i < order.Count; i++)
            {
                using var single = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, [order[i]]), [0, 3, last]);
                foreach (int k in new[] { 0, 3, last })
                {
                    var a = batched.Representations[k][i, TensorIndex.Slice(0, order[i].Length + 2)];
                    Assert.True(Golden.MaxAbsDiff(a, single.Representations[k][0]) < 1e-5f, $"row {i} layer {k}");
                }
            }
        }
    }

    [Fact]
    public void PadPositionsAreZeroInStatesAndLogits()
    {
        var model = Golden.Model("tiny").Model;
        Assert.True(model.HasLmHead);
        using var scope = NewDisposeScope();
        using var output = model.Forward(Batching.Tokens(EsmAlphabet.Tokenizer, ["MKTAYIAKQR", "MKV"]), [0, model.Config.Layers], logits: true);
        foreach (var states in output.Representations.Values.Append(output.Logits!))
        {
            Assert.Equal(0f, states[1, TensorIndex.Slice(5)].abs().max().item<float>());
            Assert.True(states[1, TensorIndex.Slice(0, 5)].abs().max().item<float>() > 0f);
        }
    }

    [Fact]
    public void PaddingBeforeARealTokenIsRefusedNamingTheRow()
    {
        var model = Golden.Model("tiny").Model;
        using var scope = NewDisposeScope();
        var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, ["MKTAYIAKQR", "MKV"]);
        tokens[1, 2] = tensor((long)EsmAlphabet.Pad);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tokens, [1]));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("position 2", e.Message);
    }

    [Fact]
    public void AllPaddingIsRefused()
    {
        var model = Golden.Model("tiny").Model;
        using var scope = NewDisposeScope();
        var tokens = full(2, 4, (long)EsmAlphabet.Pad, ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tokens, [1]));
        Assert.Contains("every row is padding", e.Message);
    }
}
