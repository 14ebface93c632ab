using TorchSharp;
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
    private readonly LoraEsm2Regressor _model;
    private readonly optim.Optimizer _adamW;
    private readonly double _maxNorm;

    /// <summary>AdamW (β 0.9/0.999, ε 1e-8) with <paramref name="learningRate"/> and <paramref name="weightDecay"/> (the study: 1e-4, 1e-5); clipping at <paramref name="maxNorm"/>.</summary>
    public LoraOptimizer(LoraEsm2Regressor model, double learningRate = 1e-4, double weightDecay = 1e-5, double maxNorm = 1.0)
    {
        if (!(learningRate > 0)) throw new ConfigurationException($"learning rate must be positive (got {learningRate})");
        if (weightDecay < 0) throw new ConfigurationException($"weight decay must not be negative (got {weightDecay})");
        _model = model;
        _maxNorm = maxNorm;
        _adamW = optim.AdamW(model.parameters(), learningRate, 0.9, 0.999, 1e-8, weightDecay);
    }

    /// <summary>One step on a batch: tokens [B, T] (padded), targets [B, 1] float32.</summary>
    public LoraStepResult Step(Tensor tokens, Tensor targets)
    {
        using var scope = NewDisposeScope();
        _model.train();
        _adamW.zero_grad();
        var loss = nn.functional.mse_loss(_model.forward(tokens), targets);
        loss.backward();
        var trainable = _model.parameters().ToArray();
        // torch 1.13's clip_grad_norm_: norm of the per-tensor norms; every gradient scaled by the clamped coefficient.
        double total;
        using (no_grad())
        {
            using var norms = stack(trainable.Select(p => p.grad!.norm()).ToArray());
            total = norms.norm().item<float>();
        }
        double coefficient = Math.Min(1.0, _maxNorm / (total + 1e-6));
        using (no_grad())
        {
            using var c = ((float)coefficient).ToScalar();
            foreach (var p in trainable) p.grad!.mul_(c);
        }
        _adamW.step();
        return new LoraStepResult(loss.item<float>(), total, coefficient);
    }

    /// <inheritdoc />
    public void Dispose() => _adamW.Dispose();
}
