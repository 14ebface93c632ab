using System.Diagnostics;
using PlmKit.Embeddings;
using PlmKit.Models.Esm;
using PlmKit.Regression;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.FineTuning;

/// <summary>Training settings: the study's defaults (SWAT <c>LitESM2ne_Lora_trainer.py</c>) unless said otherwise.</summary>
/// <param name="Epochs">Most epochs (the study: 40).</param>
/// <param name="BatchSize">Sequences per optimiser step (the study: 2 per device on 4 GPUs = 8).</param>
/// <param name="LearningRate">AdamW learning rate (1e-4).</param>
/// <param name="WeightDecay">AdamW weight decay (1e-5).</param>
/// <param name="Patience">Early stopping: epochs without a lower validation loss before stopping (5, min_delta 0).</param>
/// <param name="TokensPerMicroBatch">Token budget of one forward/backward pass; an optimiser batch is split into length-sorted micro-batches under it and their gradients accumulated.</param>
/// <param name="Seed">Seed of the adapter/head initial values, the epoch shuffles and the dropout masks.</param>
public sealed record LoraTrainingSettings(int Epochs = 40, int BatchSize = 8, double LearningRate = 1e-4, double WeightDecay = 1e-5,
    int Patience = 5, int TokensPerMicroBatch = 4096, long Seed = 42)
{
    /// <summary>Checks every value, with one message per problem.</summary>
    /// <exception cref="ConfigurationException">A value out of range.</exception>
    public void Validate()
    {
        if (Epochs < 1) throw new ConfigurationException($"--epochs must be at least 1 (got {Epochs})");
        if (BatchSize < 1) throw new ConfigurationException($"--batch-size must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0)) throw new ConfigurationException($"--lr must be positive (got {LearningRate})");
        if (WeightDecay < 0) throw new ConfigurationException($"--weight-decay must not be negative (got {WeightDecay})");
        if (Patience < 1) throw new ConfigurationException($"--patience must be at least 1 (got {Patience})");
        if (TokensPerMicroBatch < 1) throw new ConfigurationException($"--max-tokens must be positive (got {TokensPerMicroBatch})");
    }
}

/// <summary>One epoch's metrics, with the study's column meanings.</summary>
/// <param name="Epoch">0-based epoch (Lightning's numbering).</param>
/// <param name="Step">Optimiser steps taken so far.</param>
/// <param name="TrainLoss">Mean MSE over the epoch's training steps.</param>
/// <param name="TrainR2">R² of the epoch's training predictions (accumulated as torchmetrics' R2Score, taken while training).</param>
/// <param name="ValLoss">MSE over the validation rows at the end of the epoch.</param>
/// <param name="ValR2">R² over the validation rows at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
/// <param name="TokensPerSecond">Training tokens (with BOS/EOS) per second.</param>
public sealed record LoraEpoch(int Epoch, int Step, double TrainLoss, double TrainR2, double ValLoss, double ValR2, double Seconds, double TokensPerSecond);

/// <summary>Progress reported after every optimiser step.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Step">Steps in this epoch so far.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Loss">This step's loss.</param>
/// <param name="TokensPerSecond">Training tokens per second in this epoch so far.</param>
/// <param name="LastValR2">The previous epoch's validation R², or NaN.</param>
public sealed record LoraProgress(int Epoch, int Step, int StepsPerEpoch, double Loss, double TokensPerSecond, double LastValR2);

/// <summary>
/// Trains a <see cref="LoraEsm2Regressor"/> on given training rows with early stopping on given
/// validation rows, as the study's Lightning loop: per epoch a seeded shuffle, optimiser batches of
/// <see cref="LoraTrainingSettings.BatchSize"/> (the last, incomplete one dropped, as SWAT's
/// <c>drop_last=True</c>), gradient accumulation over length-sorted micro-batches (the loss of each
/// scaled by its share of the batch, so the accumulated gradient is the batch-mean MSE's),
/// clipping at norm 1 and AdamW; then the validation loss and R² (all validation rows; SWAT's
/// loader dropped at most one). Stops after <see cref="LoraTrainingSettings.Patience"/> epochs
/// without a lower validation loss and keeps the last weights, as SWAT does. After every epoch
/// the adapters, head, optimiser moments and metrics are checkpointed atomically, so a killed run
/// resumes at the next epoch with the same numbers. Deterministic given the seed on a CPU: the
/// shuffles and the dropout masks come from the model's own generators, reseeded every epoch.
/// </summary>
public sealed class LoraTrainer
{
    private readonly LoraEsm2Regressor _model;
    private readonly LoraTrainingSettings _settings;

    /// <summary>Trains <paramref name="model"/> with <paramref name="settings"/>.</summary>
    public LoraTrainer(LoraEsm2Regressor model, LoraTrainingSettings settings)
    {
        settings.Validate();
        _model = model;
        _settings = settings;
    }

    /// <summary>
    /// Trains on rows <paramref name="train"/> and validates on rows <paramref name="validation"/>
    /// of (<paramref name="sequences"/>, <paramref name="targets"/>); with <paramref name="checkpoint"/>
    /// resumes from it when present and rewrites it after every epoch.
    /// </summary>
    /// <returns>The metrics of every epoch run (resumed ones included).</returns>
    public IReadOnlyList<LoraEpoch> Train(IReadOnlyList<string> sequences, IReadOnlyList<double> targets, int[] train, int[] validation,
        string? checkpoint = null, IProgress<LoraProgress>? progress = null)
    {
        if (train.Length < _settings.BatchSize)
            throw new ConfigurationException($"{train.Length} training rows are fewer than one batch of {_settings.BatchSize}");
        if (validation.Length < 2) throw new ConfigurationException($"validation needs at least 2 rows (got {validation.Length})");
        using var optimizer = new LoraOptimizer(_model, _settings.LearningRate, _settings.WeightDecay);
        var epochs = new List<LoraEpoch>();
        if (checkpoint is not null && File.Exists(checkpoint)) epochs.AddRange(LoraCheckpoint.Load(checkpoint, _model, optimizer));
        double best = epochs.Count == 0 ? double.PositiveInfinity : epochs.Min(e => e.ValLoss);
        int sinceBest = epochs.Count == 0 ? 0 : epochs.Count - 1 - epochs.FindLastIndex(e => e.ValLoss == best);
        int steps = epochs.Count == 0 ? 0 : epochs[^1].Step;
        int stepsPerEpoch = train.Length / _settings.BatchSize;

        for (int epoch = epochs.Count; epoch < _settings.Epochs && sinceBest < _settings.Patience; epoch++)
        {
            var watch = Stopwatch.StartNew();
            // A fresh stream per epoch from (seed, epoch): a resumed run draws what the uninterrupted one would.
            var order = train.ToArray();
            new NumpyRandomState(unchecked((uint)(_settings.Seed * 1_000_003 + epoch))).Shuffle(order);
            _model.Dropout.manual_seed(_settings.Seed * 1_000_003 + epoch);
            double lossSum = 0;
            long trainTokens = 0;
            var predictions = new List<double>();
            var observed = new List<double>();
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                var batch = order.AsSpan(s * _settings.BatchSize, _settings.BatchSize).ToArray();
                // Every tensor of the step (inputs, activations, graph) dies with this scope: memory is flat over steps and epochs.
                using var scope = NewDisposeScope();
                var micro = Chunks(batch, i => sequences[i].Length).ToArray();
                var (loss, preds) = optimizer.Step(micro.Select(rows => (
                    Batching.Tokens(EsmAlphabet.Tokenizer, rows.Select(i => sequences[i]).ToArray()),
                    tensor(rows.Select(i => (float)targets[i]).ToArray()).unsqueeze(1))), batch.Length);
                lossSum += loss.Loss;
                trainTokens += batch.Sum(i => (long)sequences[i].Length + 2);
                predictions.AddRange(preds);
                observed.AddRange(micro.SelectMany(rows => rows).Select(i => targets[i]));
                steps++;
                progress?.Report(new LoraProgress(epoch, s + 1, stepsPerEpoch, loss.Loss, trainTokens / Math.Max(watch.Elapsed.TotalSeconds, 1e-9),
                    epochs.Count > 0 ? epochs[^1].ValR2 : double.NaN));
            }
            var (valLoss, valR2) = Evaluate(validation, sequences, targets);
            var record = new LoraEpoch(epoch, steps, lossSum / stepsPerEpoch, Metrics.R2(observed, predictions), valLoss, valR2,
                watch.Elapsed.TotalSeconds, trainTokens / Math.Max(watch.Elapsed.TotalSeconds, 1e-9));
            epochs.Add(record);
            if (valLoss < best) (best, sinceBest) = (valLoss, 0);
            else sinceBest++;
            if (checkpoint is not null) LoraCheckpoint.Save(checkpoint, _model, optimizer, epochs);
        }
        return epochs;
    }

    /// <summary>Predictions for <paramref name="rows"/> of <paramref name="sequences"/> (eval mode, no gradient), in the order of <paramref name="rows"/>.</summary>
    public double[] Predict(IReadOnlyList<string> sequences, int[] rows) =>
        _model.Predict(rows.Select(i => sequences[i]).ToArray(), _settings.TokensPerMicroBatch);

    private (double Loss, double R2) Evaluate(int[] rows, IReadOnlyList<string> sequences, IReadOnlyList<double> targets)
    {
        var preds = Predict(sequences, rows);
        var y = rows.Select(i => targets[i]).ToArray();
        double mse = y.Zip(preds).Average(p => (p.First - p.Second) * (p.First - p.Second));
        return (mse, Metrics.R2(y, preds));
    }

    // Length-sorted groups of rows whose padded size (rows × longest, BOS and EOS counted) stays within the budget: Batching's grouping.
    private IEnumerable<int[]> Chunks(int[] rows, Func<int, int> length) =>
        Batching.BatchIndices(rows.Select(length).ToArray(), _settings.TokensPerMicroBatch, extraTokensPerSequence: 2)
            .Select(group => group.Select(j => rows[j]).ToArray());
}
