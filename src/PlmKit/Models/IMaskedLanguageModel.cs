using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// A model whose masked-language-model head is loaded: what zero-shot variant scoring needs
/// (<see cref="PlmKit.Scoring.ZeroShotScorer"/>). ESM-2, ESM-1v/1b, ESM C and AMPLIFY implement it;
/// <see cref="HasLmHead"/> says whether the weights at hand carried the head.
/// </summary>
public interface IMaskedLanguageModel : IProteinModel
{
    /// <summary>True when the LM head's weights were loaded, so <see cref="Forward(Tensor, IReadOnlyCollection{int}, bool)"/> can return logits.</summary>
    bool HasLmHead { get; }

    /// <summary>The family's <c>&lt;mask&gt;</c> token id.</summary>
    long MaskToken { get; }

    /// <summary>
    /// <see cref="IProteinModel.Forward(Tensor, IReadOnlyCollection{int})"/>, also returning the
    /// LM head's logits [B, T, vocab] (float32) when <paramref name="logits"/> is true.
    /// </summary>
    ModelOutput Forward(Tensor tokens, IReadOnlyCollection<int> layers, bool logits);
}
