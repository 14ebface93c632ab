using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PlmKit.FineTuning;

/// <summary>One optimiser step's numbers.</summary>
/// <param name="Loss">MSE of the batch before the step (mean over its predictions).</param>
/// <param name="GradNorm">Total 2-norm of the trainable gradients before clipping.</param>
/// <param name="ClipCoefficient">The factor every gradient was multiplied by: min(1, max_norm / (norm + 1e-6)).</param>
public sealed record LoraStepResult(double Loss, double GradNorm, double ClipCoefficient);

/// <summary>
/// The study's training step (SWAT's Lightning module with <c>gradient_clip_val=1.0</c>): MSE
/// loss, backward, gradient-norm clipping over every trainable tensor, AdamW on the adapters and
/// head only (the frozen base has no gradient, so it is neither updated nor decayed).
/// </summary>
public sealed class LoraOptimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly LoraEsm2Regressor _model;
    private readonly (string Name, Parameter P)[] _parameters;
    private readonly Tensor[] _m, _v;
    private readonly double _lr, _weightDecay, _maxNorm;
    private int _t;

    /// <summary>AdamW (β 0.9/0.999, ε 1e-8) with <paramref name="learningRate"/> and <paramref name="weightDecay"/> (the study: 1e-4, 1e-5); clipping at <paramref name="maxNorm"/>.</summary>
    public LoraOptimizer(LoraEsm2Regressor model, double learningRate = 1e-4, double weightDecay = 1e-5, double maxNorm = 1.0)
    {
        if (!(learningRate > 0)) throw new ConfigurationException($"learning rate must be positive (got {learningRate})");
        if (weightDecay < 0) throw new ConfigurationException($"weight decay must not be negative (got {weightDecay})");
        _model = model;
        (_lr, _weightDecay, _maxNorm) = (learningRate, weightDecay, maxNorm);
        _parameters = model.named_parameters().ToArray();
        _m = _parameters.Select(p => zeros_like(p.P).DetachFromDisposeScope()).ToArray();
        _v = _parameters.Select(p => zeros_like(p.P).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>One step on a batch: tokens [B, T] (padded), targets [B, 1] float32.</summary>
    public LoraStepResult Step(Tensor tokens, Tensor targets) =>
        Step([(tokens, targets)], (int)tokens.shape[0]).Result;

    /// <summary>
    /// One step on a batch given as micro-batches (tokens [b, T], targets [b, 1]) of
    /// <paramref name="batchSize"/> rows in all: each micro-batch's MSE is weighted by b / batchSize
    /// before its backward pass, so the accumulated gradient is that of the whole batch's mean MSE.
    /// </summary>
    /// <returns>The step's numbers and the predictions of every micro-batch row, in the order given.</returns>
    public (LoraStepResult Result, double[] Predictions) Step(IEnumerable<(Tensor Tokens, Tensor Targets)> microBatches, int batchSize)
    {
        _model.train();
        foreach (var (_, p) in _parameters) p.grad?.zero_();
        double loss = 0;
        var predictions = new List<double>();
        foreach (var (tokens, targets) in microBatches)
        {
            using var scope = NewDisposeScope();
            // Inputs come from the host; on a GPU they move with the batch (no-ops on the CPU).
            var preds = _model.forward(tokens.to(_model.Device));
            using var share = (tokens.shape[0] / (double)batchSize).ToScalar();
            var weighted = nn.functional.mse_loss(preds, targets.to(_model.Device)).mul(share);
            weighted.backward();
            loss += weighted.item<float>();
            predictions.AddRange(preds.detach().to(ScalarType.Float64).cpu().data<double>().ToArray());
        }
        var trainable = _model.parameters().ToArray();
        // torch 1.13's clip_grad_norm_: norm of the per-tensor norms; every gradient scaled by the clamped coefficient.
        double total;
        using (var scope = NewDisposeScope())
        using (no_grad())
            total = stack(trainable.Select(p => p.grad!.norm()).ToArray()).norm().item<float>();
        double coefficient = Math.Min(1.0, _maxNorm / (total + 1e-6));
        using (no_grad())
        {
            using var c = ((float)coefficient).ToScalar();
            foreach (var p in trainable) p.grad!.mul_(c);
        }
        AdamWStep();
        return (new LoraStepResult(loss, total, coefficient), predictions.ToArray());
    }

    // torch 1.13's single-tensor AdamW, by hand so that its state (t, m, v) is ours to checkpoint:
    // p *= 1 − lr·wd; m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
    private void AdamWStep()
    {
        _t++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // torch multiplies by 1 − lr·wd as a float32 scalar (at the study's settings exactly 1.0f: decay is a no-op).
        using var decay = ((float)(1 - _lr * _weightDecay)).ToScalar();
        using var b1 = Beta1.ToScalar();
        using var b2 = Beta2.ToScalar();
        using var oneMinusB1 = (1 - Beta1).ToScalar();
        using var oneMinusB2 = (1 - Beta2).ToScalar();
        using var eps = Epsilon.ToScalar();
        using var sqrtBc2 = Math.Sqrt(1 - Math.Pow(Beta2, _t)).ToScalar();
        using var stepSize = (-_lr / (1 - Math.Pow(Beta1, _t))).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i].P;
            var g = p.grad!;
            p.mul_(decay);
            _m[i].mul_(b1).add_(g, oneMinusB1);
            _v[i].mul_(b2).addcmul_(g, g, oneMinusB2);
            p.addcdiv_(_m[i], _v[i].sqrt().div_(sqrtBc2).add_(eps), stepSize);
        }
    }

    /// <summary>Optimiser steps taken (AdamW's t).</summary>
    public int Steps => _t;

    /// <summary>The state to checkpoint: t, and the first and second moments by parameter name.</summary>
    internal (int T, IReadOnlyDictionary<string, Tensor> M, IReadOnlyDictionary<string, Tensor> V) State =>
        (_t, _parameters.Select((p, i) => (p.Name, _m[i])).ToDictionary(x => x.Name, x => x.Item2),
             _parameters.Select((p, i) => (p.Name, _v[i])).ToDictionary(x => x.Name, x => x.Item2));

    /// <summary>Restores a checkpointed state (copied into this optimiser's moments).</summary>
    internal void Restore(int t, IReadOnlyDictionary<string, Tensor> m, IReadOnlyDictionary<string, Tensor> v)
    {
        _t = t;
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            _m[i].copy_(m[_parameters[i].Name]);
            _v[i].copy_(v[_parameters[i].Name]);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
    }
}
