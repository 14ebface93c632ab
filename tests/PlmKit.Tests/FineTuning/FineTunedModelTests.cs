using PlmKit.Embeddings;
using PlmKit.FineTuning;
using PlmKit.Models;
using PlmKit.Models.Esm;
using PlmKit.Tests.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.FineTuning;

/// <summary>A fine-tuning checkpoint, trained once for the class: the sequences, the assay and the checkpoint file.</summary>
public sealed class FineTunedCheckpoint : IDisposable
{
    internal TempDir Tmp { get; } = new();

    public string Assay { get; }

    public string Folder { get; }

    public string Checkpoint => Path.Combine(Folder, "fold1.safetensors");

    public FineTunedCheckpoint()
    {
        var lines = File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(31);
        Assay = Tmp.Write("IF1_ECOLI.csv", string.Join('\n', lines) + "\n");
        Folder = Tmp.Sub("ft");
        // A large learning rate so that lora_B moves well away from zero in two epochs: the merge must matter.
        FineTuneJob.Run(new FineTuneSettings(Golden.TinyPt, Assay, Folder, null, new LoraSettings(),
            new LoraTrainingSettings(Epochs: 2, BatchSize: 4, LearningRate: 1e-2, TokensPerMicroBatch: 400, Seed: 3)));
    }

    public void Dispose() => Tmp.Dispose();
}

/// <summary>A fine-tuned model used after training: merged into the weights for <c>embed</c>, with its head for <c>predict</c>.</summary>
[Collection(nameof(TorchGlobalRandom))]
public sealed class FineTunedModelTests(FineTunedCheckpoint trained) : IClassFixture<FineTunedCheckpoint>
{
    private static readonly string[] Sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "MSEQLLKALEKAG", "MKVLAAGIVGLLLAACSSQPAAEEPAQAVKEEAAAPAEEAAKE"];

    [Fact]
    public void MergedWeightsGiveTheFineTunedModelsHiddenStates()
    {
        using var fineTuned = LoadFineTuned();
        var loaded = ModelZoo.Load(Golden.TinyPt, adapter: trained.Checkpoint);
        using var merged = (EsmModel)loaded.Model;
        Assert.EndsWith("+fold1", loaded.Name);
        Assert.Contains(trained.Checkpoint, loaded.WeightFiles);

        using var scope = NewDisposeScope();
        var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, Sequences);
        using var output = merged.Forward(tokens, [merged.Config.Layers]);
        Tensor expected;
        using (no_grad()) expected = fineTuned.FinalStates(tokens);
        for (int i = 0; i < Sequences.Length; i++)
        {
            long t = Sequences[i].Length + 2;
            var a = output.Representations[merged.Config.Layers][i].narrow(0, 0, t);
            var b = expected[i].narrow(0, 0, t);
            Assert.True(Golden.MaxAbsDiff(a, b) < 2e-5, $"sequence {i}: max |Δ| {Golden.MaxAbsDiff(a, b)}");
        }
        // …and the adapters changed something: the base model's states differ.
        using var plain = (EsmModel)ModelZoo.Load(Golden.TinyPt).Model;
        using var baseOutput = plain.Forward(tokens, [plain.Config.Layers]);
        Assert.True(Golden.MaxAbsDiff(baseOutput.Representations[plain.Config.Layers], output.Representations[merged.Config.Layers]) > 1e-3);
    }

    [Fact]
    public void PredictGivesTheTrainingRunsValidationPredictions()
    {
        var outDir = trained.Tmp.Sub("predict-" + Guid.NewGuid().ToString("N"));
        var report = PredictJob.Run(new PredictSettings(Golden.TinyPt, trained.Checkpoint, trained.Assay, outDir, "cpu"));
        Assert.Equal(30, report.Ids.Length);
        Assert.Equal(30, report.Targets.Length);
        var predictions = report.Ids.Zip(report.Predictions).ToDictionary(p => p.First, p => p.Second);
        var validation = File.ReadLines(Path.Combine(trained.Folder, "predictions.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(6, validation.Length);
        foreach (var row in validation)
            Assert.Equal(double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), predictions[row[0]], 6);
        Assert.Equal("id,prediction,target", File.ReadLines(Path.Combine(outDir, "predictions.csv")).First());
        Assert.True(File.Exists(Path.Combine(outDir, "predict.manifest.json")));
    }

    [Fact]
    public void EmbedWithAnAdapterWritesFineTunedVectorsUnderTheirOwnName()
    {
        var baseDir = trained.Tmp.Sub("embed-base-" + Guid.NewGuid().ToString("N"));
        var tunedDir = trained.Tmp.Sub("embed-tuned-" + Guid.NewGuid().ToString("N"));
        var (code, _, err) = CliRunner.Run("embed", "--model", Golden.TinyPt, "--input", trained.Assay, "--out", baseDir, "--device", "cpu");
        Assert.True(code == 0, err);
        (code, _, err) = CliRunner.Run("embed", "--model", Golden.TinyPt, "--adapter", trained.Checkpoint, "--input", trained.Assay, "--out", tunedDir, "--device", "cpu");
        Assert.True(code == 0, err);
        var plain = File.ReadAllLines(Directory.GetFiles(baseDir, "layer*.mean.csv").Single());
        var tuned = File.ReadAllLines(Directory.GetFiles(tunedDir, "layer*.mean.csv").Single());
        Assert.Equal(plain.Length, tuned.Length);
        Assert.NotEqual(plain[1], tuned[1]);
        var manifest = File.ReadAllText(Path.Combine(tunedDir, "embed.manifest.json"));
        Assert.Contains("fold1.safetensors", manifest);
    }

    [Fact]
    public void AdaptersOfOtherWeightsOrNoAdaptersAreRefusedInOneLine()
    {
        // The same adapters, recorded as trained on other base weights.
        var state = Safetensors.LoadStateDict(trained.Checkpoint);
        state[EsmLora.BaseTensor] = zeros(32, ScalarType.Byte);
        var foreign = trained.Tmp.Sub("foreign.safetensors");
        Safetensors.SaveStateDict(foreign, state);
        foreach (var t in state.Values) t.Dispose();

        foreach (var (adapter, expected) in new[]
                 {
                     (foreign, "trained on other base weights"),
                     (Path.Combine(Golden.Esm8MFolder, "model.safetensors"), "not a PlmKit LoRA checkpoint"),
                     (trained.Tmp.Sub("missing.safetensors"), "no such"),
                 })
        {
            foreach (var command in new[] { "embed", "predict" })
            {
                var outDir = trained.Tmp.Sub($"bad-{command}-" + Guid.NewGuid().ToString("N"));
                var (code, _, err) = CliRunner.Run(command, "--model", Golden.TinyPt, "--adapter", adapter, "--input", trained.Assay, "--out", outDir, "--device", "cpu");
                Assert.Equal(2, code);
                Assert.Single(err.Trim().Split('\n'));
                Assert.Contains(expected, err);
                Assert.False(Directory.Exists(outDir), $"{command} left {outDir}");
            }
        }
        // Adapters of the tiny model do not fit the 8M-shaped model.
        var (c, _, e) = CliRunner.Run("predict", "--model", Golden.Esm8MFolder, "--adapter", trained.Checkpoint, "--input", trained.Assay,
            "--out", trained.Tmp.Sub("wrong-size"), "--device", "cpu");
        Assert.Equal(2, c);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(Directory.Exists(trained.Tmp.Sub("wrong-size")));
    }

    private LoraEsm2Regressor LoadFineTuned()
    {
        using var esm = (EsmModel)ModelZoo.Load(Golden.TinyPt).Model;
        return LoraCheckpoint.LoadModel(esm, trained.Checkpoint, null);
    }
}
