using PlmKit.FineTuning;
using PlmKit.Models.Esm;
using PlmKit.Tests.Models;

namespace PlmKit.Tests.FineTuning;

/// <summary>
/// Tests that train run one at a time: training is CPU-heavy, and run alone their numbers depend
/// on nothing but the seed (dropout masks come from the model's own generator).
/// </summary>
[CollectionDefinition(nameof(TorchGlobalRandom))]
public sealed class TorchGlobalRandom;

/// <summary>The training loop on the tiny random ESM-2: determinism, resume after a kill, early stopping, no tensor leaks.</summary>
[Collection(nameof(TorchGlobalRandom))]
public sealed class LoraTrainerTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // 24 short random sequences whose target is a simple function of their composition, so a model can learn something.
    private static (string[] Sequences, double[] Targets) Data()
    {
        var random = new Random(5);
        const string letters = "ACDEFGHIKLMNPQRSTVWY";
        var sequences = Enumerable.Range(0, 24).Select(_ => new string(Enumerable.Range(0, random.Next(8, 20)).Select(_ => letters[random.Next(letters.Length)]).ToArray())).ToArray();
        var targets = sequences.Select(s => s.Count(c => c is 'K' or 'R') / (double)s.Length * 3 - s.Count(c => c is 'D' or 'E') / (double)s.Length).ToArray();
        return (sequences, targets);
    }

    private static readonly int[] Train = Enumerable.Range(0, 18).ToArray();
    private static readonly int[] Validation = Enumerable.Range(18, 6).ToArray();

    private static LoraEsm2Regressor NewModel() => new((EsmModel)Golden.Model("tiny").Model, new LoraSettings(), seed: 11);

    private static LoraTrainingSettings Settings(int epochs) => new(Epochs: epochs, BatchSize: 4, LearningRate: 1e-3, Patience: 50, TokensPerMicroBatch: 40, Seed: 3);

    [Fact]
    public void TrainingIsDeterministicGivenASeed()
    {
        var (x, y) = Data();
        using var a = NewModel();
        using var b = NewModel();
        var ra = new LoraTrainer(a, Settings(3)).Train(x, y, Train, Validation);
        var rb = new LoraTrainer(b, Settings(3)).Train(x, y, Train, Validation);
        Assert.Equal(3, ra.Count);
        // Equal up to float rounding: parallel tests may change torch's thread count, which reorders sums (~1e-8).
        Near(ra.SelectMany(e => new[] { e.TrainLoss, e.ValLoss, e.ValR2 }), rb.SelectMany(e => new[] { e.TrainLoss, e.ValLoss, e.ValR2 }));
        Assert.Equal(3 * (18 / 4), ra[^1].Step); // drop_last: 4 full batches of 4 per epoch
        Assert.True(ra[^1].TrainLoss < ra[0].TrainLoss, $"training loss did not fall: {ra[0].TrainLoss} → {ra[^1].TrainLoss}");
    }

    [Fact]
    public void AResumedRunEqualsAnUninterruptedOne()
    {
        var (x, y) = Data();
        var checkpoint = _tmp.Sub("run.safetensors");
        using (var first = NewModel())
            Assert.Equal(2, new LoraTrainer(first, Settings(2)).Train(x, y, Train, Validation, checkpoint).Count);
        using var resumed = NewModel();
        var resumedEpochs = new LoraTrainer(resumed, Settings(4)).Train(x, y, Train, Validation, checkpoint);
        using var whole = NewModel();
        var wholeEpochs = new LoraTrainer(whole, Settings(4)).Train(x, y, Train, Validation);
        Assert.Equal(wholeEpochs.Select(e => (e.Epoch, e.Step)), resumedEpochs.Select(e => (e.Epoch, e.Step)));
        Near(wholeEpochs.SelectMany(e => new[] { e.TrainLoss, e.ValLoss }), resumedEpochs.SelectMany(e => new[] { e.TrainLoss, e.ValLoss }));
        var p1 = new LoraTrainer(resumed, Settings(1)).Predict(x, Validation);
        var p2 = new LoraTrainer(whole, Settings(1)).Predict(x, Validation);
        Near(p2, p1);
    }

    private static void Near(IEnumerable<double> expected, IEnumerable<double> actual)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * Math.Max(1, Math.Abs(e[i])), $"value {i}: {a[i]} vs {e[i]}");
    }

    [Fact]
    public void EarlyStoppingEndsAfterPatienceEpochsWithoutImprovement()
    {
        var (x, y) = Data();
        using var model = NewModel();
        // A learning rate this large makes the validation loss rise quickly.
        var epochs = new LoraTrainer(model, Settings(30) with { LearningRate = 0.5, Patience = 2 }).Train(x, y, Train, Validation);
        Assert.True(epochs.Count < 30);
        int best = epochs.Select((e, i) => (e.ValLoss, i)).Min().i;
        Assert.Equal(best + 2 + 1, epochs.Count);
    }

    [Fact]
    public void MemoryStaysFlatOverEpochs()
    {
        var (x, y) = Data();
        using var model = NewModel();
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new LoraTrainer(model, Settings(1)).Train(x, y, Train, Validation);
        long afterOne = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new LoraTrainer(model, Settings(4)).Train(x, y, Train, Validation);
        long afterFour = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(afterFour - before <= afterOne - before + 2, $"live tensors: {before} → {afterOne} after 1 epoch → {afterFour} after 4 more");
    }

    [Fact]
    public void TooFewRowsAreRefused()
    {
        var (x, y) = Data();
        using var model = NewModel();
        var e = Assert.Throws<ConfigurationException>(() => new LoraTrainer(model, Settings(1) with { BatchSize = 40 }).Train(x, y, Train, Validation));
        Assert.Contains("fewer than one batch", e.Message);
        Assert.Throws<ConfigurationException>(() => new LoraTrainer(model, Settings(0)));
    }

    [Fact]
    public void ADamagedCheckpointIsNamed()
    {
        var (x, y) = Data();
        var checkpoint = _tmp.Write("bad.safetensors", "not a checkpoint");
        using var model = NewModel();
        var e = Assert.Throws<ModelLoadException>(() => new LoraTrainer(model, Settings(1)).Train(x, y, Train, Validation, checkpoint));
        Assert.Contains("bad.safetensors", e.Message);
    }

    [Fact]
    public void Bf16AutocastHoldsAccuracy()
    {
        var (x, y) = Data();
        // One step's loss and gradients, then three epochs: bf16 autocast against the float32 reference.
        var tokens = PlmKit.Embeddings.Batching.Tokens(EsmAlphabet.Tokenizer, x.Take(8).ToArray());
        var targets = TorchSharp.torch.tensor(y.Take(8).Select(v => (float)v).ToArray()).unsqueeze(1);
        (double Loss, double[] Grad) OneStep(LoraEsm2Regressor model)
        {
            model.eval(); // no dropout: the two differ only by arithmetic
            var loss = TorchSharp.torch.nn.functional.mse_loss(model.forward(tokens), targets);
            loss.backward();
            var grad = model.parameters().SelectMany(p => p.grad!.flatten().data<float>().ToArray()).Select(v => (double)v).ToArray();
            return (loss.item<float>(), grad);
        }
        using var reference = NewModel();
        using var half = NewModel().UseBf16();
        Assert.True(half.Bf16);
        Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, half.Frozen["layers.0.fc1.weight"].dtype);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, half.Frozen["layers.0.final_layer_norm.weight"].dtype);
        var (l32, g32) = OneStep(reference);
        var (l16, g16) = OneStep(half);
        Assert.True(Math.Abs(l16 - l32) <= 0.02 * l32, $"loss {l16} vs {l32}");
        double dot = g32.Zip(g16).Sum(p => p.First * p.Second), n32 = Math.Sqrt(g32.Sum(v => v * v)), n16 = Math.Sqrt(g16.Sum(v => v * v));
        Assert.True(dot / (n32 * n16) > 0.99, $"gradient cosine {dot / (n32 * n16)}");
        Assert.True(Math.Abs(n16 - n32) <= 0.05 * n32, $"gradient norm {n16} vs {n32}");

        using var a = NewModel();
        using var b = NewModel().UseBf16();
        var ra = new LoraTrainer(a, Settings(3)).Train(x, y, Train, Validation);
        var rb = new LoraTrainer(b, Settings(3)).Train(x, y, Train, Validation);
        for (int e = 0; e < 3; e++)
            Assert.True(Math.Abs(rb[e].ValLoss - ra[e].ValLoss) <= 0.05 * ra[e].ValLoss, $"epoch {e}: validation loss {rb[e].ValLoss} vs {ra[e].ValLoss}");
    }
}
