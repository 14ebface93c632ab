using System.Collections.Immutable;
using System.Diagnostics;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Models.Esm;
using PlmKit.Regression;
using TorchSharp;

namespace PlmKit.FineTuning;

/// <summary>Settings of <see cref="FineTuneJob"/>, parsed once at the edge.</summary>
/// <param name="Model">ESM-2 zoo name, folder or fair-esm file.</param>
/// <param name="Input">Assay (the study's DMS CSV, ProteinGym CSV, FASTA + targets or CSV).</param>
/// <param name="Out">Output folder.</param>
/// <param name="Folds">Outer folds shared with <c>evaluate</c> (each fold is fine-tuned on the others and validated on itself), or null for the study's single 80/20 split (scikit-learn's <c>train_test_split(test_size=0.2, random_state=seed)</c>).</param>
/// <param name="Lora">Adapter and head settings.</param>
/// <param name="Training">Epochs, batch, optimiser, early stopping, seed.</param>
/// <param name="Format">Assay format.</param>
/// <param name="Targets">Targets CSV for a FASTA input.</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</param>
/// <param name="Threads">CPU threads for torch, or null.</param>
/// <param name="Dtype">fp32 (the reference) or bf16 autocast of the frozen base (<see cref="LoraEsm2Regressor.Bf16"/>).</param>
public sealed record FineTuneSettings(string Model, string Input, string Out, FoldScheme? Folds, LoraSettings Lora, LoraTrainingSettings Training,
    AssayFormat Format = AssayFormat.Auto, string? Targets = null, string Device = "auto", int? Threads = null, EmbedDtype Dtype = EmbedDtype.Fp32);

/// <summary>What <see cref="FineTuneJob.Run"/> produced.</summary>
/// <param name="Rows">One result row per fold (the same columns as <c>evaluate</c>'s).</param>
/// <param name="Epochs">Per fold, every epoch's metrics.</param>
/// <param name="Folder">The output folder.</param>
public sealed record FineTuneReport(ImmutableArray<ResultRow> Rows, ImmutableArray<ImmutableArray<LoraEpoch>> Epochs, string Folder);

/// <summary>
/// <c>plmkit finetune</c> as one call: LoRA fine-tuning of ESM-2 on an assay, per outer fold (the
/// same folds as <c>evaluate</c>, so the two are compared on identical rows) or on the study's
/// 80/20 split. Writes <c>metrics.csv</c> (the study's columns <c>Epoch, step, train_loss,
/// train_r2, val_loss, val_r2, Model, Dataset_Name, ModelSize</c>, then <c>Fold</c>),
/// <c>results.csv</c> (evaluate's result rows: R2_score_test is the validation R² after the last
/// epoch), <c>predictions.csv</c> and <c>finetune.manifest.json</c> — after every fold finished —,
/// and keeps one checkpoint per fold (<c>fold&lt;k&gt;.safetensors</c>: adapters and head, resumable). Folds are
/// numbered from 1 in every table and file name, as <c>evaluate</c> numbers them (the study's 80/20 split is fold 1).
/// </summary>
public static class FineTuneJob
{
    /// <summary>Columns of <c>metrics.csv</c>: the study's, then the fold.</summary>
    public static IReadOnlyList<string> MetricColumns { get; } =
        ["Epoch", "step", "train_loss", "train_r2", "val_loss", "val_r2", "Model", "Dataset_Name", "ModelSize", "Fold", "seconds", "tokens_per_s"];

    /// <summary>Runs the job; see <see cref="FineTuneSettings"/>.</summary>
    /// <exception cref="PlmKitException">Bad settings, input or model (one-line messages), before anything is written.</exception>
    public static FineTuneReport Run(FineTuneSettings settings, IReadOnlyList<string>? argv = null, IProgress<(int Fold, int Folds, LoraProgress Step)>? progress = null)
    {
        settings.Training.Validate();
        OutputFolder.Check(settings.Out);
        if (settings.Folds is FoldScheme.LearningCurve) throw new ConfigurationException("--train-sizes does not apply to fine-tuning");
        var readOptions = new AssayReadOptions { TargetsPath = settings.Targets };
        var assay = AssayReader.Read(settings.Input, settings.Format, settings.Folds?.ReadOptions(readOptions) ?? readOptions);
        var splits = Splits(assay, settings);
        var loaded = ModelZoo.Load(settings.Model);
        if (loaded.Model is not EsmModel esm || esm.Config.Architecture != EsmArchitecture.Esm2)
            throw new ConfigurationException($"--model {settings.Model}: LoRA fine-tuning is implemented for ESM-2 (the study fine-tuned ESM-2 8M…3B); this is {loaded.Model.Info.Family}");
        if (settings.Threads is int threads) torch.set_num_threads(threads);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        string weightsSha = loaded.ComputeWeightsSha256();
        Directory.CreateDirectory(settings.Out);

        var sequences = assay.Sequences();
        var targets = assay.Targets();
        string modelName = loaded.Name, size = SizeLabel(esm.Info.Parameters);
        var rows = new List<ResultRow>();
        var epochsPerFold = new List<ImmutableArray<LoraEpoch>>();
        var predictionRows = new List<IReadOnlyList<object?>>();
        for (int f = 0; f < splits.Count; f++)
        {
            var (train, validation) = splits[f];
            using var model = new LoraEsm2Regressor(esm, settings.Lora, settings.Training.Seed + f) { BaseWeightsSha256 = weightsSha };
            model.MoveTo(device);
            if (settings.Dtype == EmbedDtype.Bf16) model.UseBf16();
            var trainer = new LoraTrainer(model, settings.Training);
            var watch = Stopwatch.StartNew();
            int fold = f;
            var epochs = trainer.Train(sequences, targets, train, validation, Path.Combine(settings.Out, $"fold{f + 1}.safetensors"),
                progress is null ? null : new Progress(p => progress.Report((fold, splits.Count, p))));
            double seconds = watch.Elapsed.TotalSeconds;
            var trainPred = trainer.Predict(sequences, train);
            var valPred = trainer.Predict(sequences, validation);
            var yTrain = train.Select(i => targets[i]).ToArray();
            var yVal = validation.Select(i => targets[i]).ToArray();
            rows.Add(new ResultRow(assay.Name, modelName, "lora_finetune", f + 1,
                Metrics.R2(yTrain, trainPred), Metrics.Mae(yTrain, trainPred), Metrics.Rmse(yTrain, trainPred),
                Metrics.R2(yVal, valPred), Metrics.Mae(yVal, valPred), Metrics.Rmse(yVal, valPred),
                Metrics.Spearman(yTrain, trainPred), Metrics.Spearman(yVal, valPred), (int)model.parameters().Sum(p => p.numel()),
                null, double.NaN, train.Length, validation.Length, seconds, assay.Count,
                $"lora(r={settings.Lora.Rank}, alpha={settings.Lora.Alpha})", "finetune",
                Metrics.Mse(yTrain, trainPred), Metrics.Mse(yVal, valPred), FeatureSet.Plain.Key()));
            epochsPerFold.Add([.. epochs]);
            for (int j = 0; j < validation.Length; j++)
                predictionRows.Add([assay.Records[validation[j]].Id, f + 1, targets[validation[j]], valPred[j]]);
        }
        loaded.Model.Dispose();

        // Tables and manifest only now, after every fold: a failure leaves no results behind (checkpoints stay, for resuming).
        var metrics = Path.Combine(settings.Out, "metrics.csv");
        CsvFile.Write(metrics, MetricColumns, epochsPerFold.SelectMany((epochs, f) => epochs.Select(e => (IReadOnlyList<object?>)
            [e.Epoch, e.Step, e.TrainLoss, e.TrainR2, e.ValLoss, e.ValR2, modelName, assay.Name, size, f + 1, e.Seconds, e.TokensPerSecond])));
        var results = Path.Combine(settings.Out, "results.csv");
        ResultRow.Write(results, rows);
        var predictions = Path.Combine(settings.Out, "predictions.csv");
        CsvFile.Write(predictions, ["id", "Fold", "target", "prediction"], predictionRows);
        var manifest = new Manifest("finetune", argv).Input(settings.Input);
        if (settings.Targets is { } t) manifest.Input(t);
        manifest.Seed("training", settings.Training.Seed)
            .Config("model", settings.Model).Config("model_name", modelName).Config("weights_sha256", weightsSha)
            .Config("lora", settings.Lora).Config("training", settings.Training)
            .Config("folds", settings.Folds?.Key ?? "train_test_split(test_size=0.2, random_state=" + settings.Training.Seed + ")")
            .Config("device", device.ToString()).Config("dtype", settings.Dtype.Key())
            .Output(metrics).Output(results).Output(predictions);
        for (int f = 0; f < splits.Count; f++) manifest.Output(Path.Combine(settings.Out, $"fold{f + 1}.safetensors"));
        manifest.Set("dataset", assay.Name).Set("rows", assay.Count).Write(Path.Combine(settings.Out, "finetune.manifest.json"));
        return new FineTuneReport([.. rows], [.. epochsPerFold], settings.Out);
    }

    private sealed class Progress(Action<LoraProgress> report) : IProgress<LoraProgress>
    {
        public void Report(LoraProgress value) => report(value);
    }

    /// <summary>Training and validation rows per fold.</summary>
    private static List<(int[] Train, int[] Validation)> Splits(Assay assay, FineTuneSettings settings)
    {
        if (settings.Folds is null)
        {
            var (train, test) = TrainTestSplit(assay.Count, 0.2, (uint)settings.Training.Seed);
            return [(train, test)];
        }
        var assignment = settings.Folds.Assign(assay);
        return Enumerable.Range(0, assignment.FoldCount).Select(f => (assignment.TrainRows(f), assignment.TestRows(f))).ToList();
    }

    /// <summary>
    /// scikit-learn's <c>train_test_split(range(n), test_size, random_state=seed)</c> (ShuffleSplit):
    /// <c>permutation = RandomState(seed).permutation(n)</c>; the first ⌈test_size·n⌉ are the test rows, the rest train.
    /// </summary>
    public static (int[] Train, int[] Test) TrainTestSplit(int n, double testSize, uint seed)
    {
        int nTest = (int)Math.Ceiling(testSize * n), nTrain = n - nTest;
        if (nTest < 1 || nTrain < 1) throw new ConfigurationException($"{n} rows cannot be split {1 - testSize:P0}/{testSize:P0}");
        var permutation = Enumerable.Range(0, n).ToArray();
        new NumpyRandomState(seed).Shuffle(permutation);
        return (permutation[nTest..], permutation[..nTest]);
    }

    // The study's ModelSize labels: 8M, 35M, 150M, 650M, 3B, 15B.
    private static string SizeLabel(long parameters) => parameters >= 1_000_000_000
        ? $"{Math.Round(parameters / 1e9):0}B"
        : $"{Math.Round(parameters / 1e6):0}M";
}
