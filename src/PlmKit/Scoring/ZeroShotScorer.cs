using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Models;
using static TorchSharp.torch;

namespace PlmKit.Scoring;

/// <summary>How a variant is scored from the masked-language-model head.</summary>
public enum ZeroShotStrategy
{
    /// <summary>
    /// fair-esm <c>predict.py</c> <c>wt-marginals</c>: one pass over the unmasked wild type;
    /// score = log p(mutant letter) − log p(wild-type letter) at the site, summed over a variant's substitutions.
    /// </summary>
    WtMarginals,

    /// <summary>
    /// <c>masked-marginals</c>: the same difference read at the site masked in the wild type. Each
    /// mutated site of the assay is masked once (predict.py masks every position once; only the
    /// mutated ones are ever read, so the scores are the same).
    /// </summary>
    MaskedMarginals,

    /// <summary>
    /// predict.py's <c>pseudo-ppl</c>, reproduced under its name for comparability with published
    /// numbers: for the mutated sequence s (length L) it masks token positions i = 1 … L−2 one at a
    /// time and sums log p(s[i]) there — with s 0-based and token i holding residue s[i−1], each
    /// masked residue is scored with the letter of the residue after it, and the last residue is
    /// never masked. Not a likelihood of the sequence; see <see cref="PseudoLogLikelihood"/>.
    /// </summary>
    PseudoPpl,

    /// <summary>
    /// The textbook pseudo-log-likelihood of the mutated sequence: Σ over every residue r of
    /// log p(s[r] | s with r masked), read at r's own token. Like <see cref="PseudoPpl"/> it is the
    /// mutant's raw sum (not a difference to the wild type), so the two rank variants alike in kind.
    /// </summary>
    PseudoLogLikelihood,
}

/// <summary>The canonical names of <see cref="ZeroShotStrategy"/> (CLI, manifests, store keys) and their one parser.</summary>
public static class ZeroShotStrategies
{
    private static readonly (ZeroShotStrategy Strategy, string Key)[] Names =
    [
        (ZeroShotStrategy.WtMarginals, "wt-marginals"),
        (ZeroShotStrategy.MaskedMarginals, "masked-marginals"),
        (ZeroShotStrategy.PseudoPpl, "pseudo-ppl"),
        (ZeroShotStrategy.PseudoLogLikelihood, "pll"),
    ];

    /// <summary>The canonical key of <paramref name="strategy"/>: <c>wt-marginals</c>, <c>masked-marginals</c>, <c>pseudo-ppl</c>, <c>pll</c>.</summary>
    public static string Key(this ZeroShotStrategy strategy) => Names.First(n => n.Strategy == strategy).Key;

    /// <summary>Parses a canonical key (case-insensitive).</summary>
    /// <exception cref="ConfigurationException">Not one of the keys.</exception>
    public static ZeroShotStrategy Parse(string text) =>
        Names.FirstOrDefault(n => n.Key.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { Key: not null } hit
            ? hit.Strategy
            : throw new ConfigurationException($"--strategy '{text}' is not one of: {string.Join(", ", Names.Select(n => n.Key))}");
}

/// <summary>
/// Zero-shot variant effect scores from a model's masked-language-model head, with the
/// conventions of fair-esm's <c>examples/variant-prediction/predict.py</c> (log-softmax over the
/// whole vocabulary in float32; a multi-mutant's marginal score is the sum over its substitutions,
/// as ProteinGym sums them). Masked copies are batched under a token budget, so an assay costs one
/// forward pass per distinct mutated site (masked-marginals) rather than one per variant.
/// </summary>
/// <remarks>Written by hand: no .NET library scores variants with a protein language model.</remarks>
public sealed class ZeroShotScorer
{
    private readonly IMaskedLanguageModel _model;
    private readonly int _tokensPerBatch;
    private readonly LongSequencePolicy _policy;
    private readonly int _maxResidues;

    /// <summary>Scores with <paramref name="model"/> (its LM head must be loaded), at most <paramref name="tokensPerBatch"/> tokens per forward pass.</summary>
    /// <param name="model">The model, its LM head loaded.</param>
    /// <param name="tokensPerBatch">Token budget per forward pass of masked copies.</param>
    /// <param name="longPolicy">What to do with a wild type longer than <paramref name="maxResidues"/> (see <see cref="LongPolicy"/>).</param>
    /// <param name="maxResidues">Residues per model input; null for the family's convention (<see cref="ModelInfo.DefaultMaxResidues"/>, else its hard limit, else none).</param>
    /// <exception cref="ConfigurationException">The model was loaded without its LM head, the budget or limit is not positive, or the limit exceeds the model's hard limit.</exception>
    public ZeroShotScorer(IMaskedLanguageModel model, int tokensPerBatch = 4096, LongSequencePolicy longPolicy = LongSequencePolicies.Default, int? maxResidues = null)
    {
        if (!model.HasLmHead) throw new ConfigurationException("zero-shot scores need the model's language-model head, and these weights were loaded without it");
        if (tokensPerBatch < 1) throw new ConfigurationException($"--max-tokens must be positive (got {tokensPerBatch})");
        int max = maxResidues ?? model.Info.DefaultMaxResidues ?? model.Info.ResidueLimit ?? int.MaxValue;
        if (max < 3) throw new ConfigurationException($"the residue limit must be at least 3 (got {max})");
        if (model.Info.ResidueLimit is int limit && max > limit)
            throw new ConfigurationException($"this model takes at most {limit} residues at once (got a limit of {max})");
        _model = model;
        _tokensPerBatch = tokensPerBatch;
        _policy = longPolicy;
        _maxResidues = max;
    }

    /// <summary>
    /// The long-sequence policy. For a wild type of L &gt; <see cref="MaxResidues"/> = N residues:
    /// <see cref="LongSequencePolicy.Error"/> refuses the assay; <see cref="LongSequencePolicy.Truncate"/>
    /// scores as if the input were the wild type's first N residues (a mutant with a site past them is
    /// refused, naming it); <see cref="LongSequencePolicy.Windows"/> reads every position from the
    /// window of N residues centred on it (start = clamp(p − N/2, 0, L − N), fed as
    /// <c>&lt;cls&gt;</c> + window + <c>&lt;eos&gt;</c>), so every site is scored with N residues of context.
    /// Sequences within the limit are scored whole under every policy.
    /// </summary>
    public LongSequencePolicy LongPolicy => _policy;

    /// <summary>Residues per model input (the window length under <see cref="LongSequencePolicy.Windows"/>).</summary>
    public int MaxResidues => _maxResidues;

    /// <summary>Start (0-based residue) of the window that scores 0-based residue <paramref name="residue"/> of a sequence of <paramref name="length"/> residues under <see cref="LongSequencePolicy.Windows"/>.</summary>
    public static int WindowStart(int residue, int length, int window) =>
        length <= window ? 0 : Math.Clamp(residue - window / 2, 0, length - window);

    /// <summary>
    /// One score per mutant, in input order. Wild-type spellings (<c>WT</c>, <c>_wt</c>, empty) score
    /// 0 under the marginal strategies and the wild type's own sum under the pseudo-likelihoods.
    /// </summary>
    /// <param name="wildType">The wild-type sequence the mutants refer to.</param>
    /// <param name="mutants">Mutant strings such as <c>A24C</c> or <c>A24C:G30W</c> (1-based positions).</param>
    /// <param name="strategy">The scoring strategy.</param>
    /// <param name="offset">Subtracted from every position first (predict.py's <c>--offset-idx</c> minus one is 0 here: positions are 1-based).</param>
    /// <exception cref="InputException">A mutant is malformed, outside the sequence, or its wild-type letter disagrees with the sequence.</exception>
    /// <exception cref="InputException">The wild type is longer than <see cref="MaxResidues"/> under <see cref="LongSequencePolicy.Error"/>, or a site lies past the kept residues under <see cref="LongSequencePolicy.Truncate"/>.</exception>
    public double[] Score(string wildType, IReadOnlyList<string> mutants, ZeroShotStrategy strategy, int offset = 0)
    {
        int fullLength = wildType.Length;
        var parsed = mutants.Select(m =>
        {
            var subs = Mutations.Parse(m);
            foreach (var sub in subs)
            {
                int site = sub.Position - offset;
                if (site < 1 || site > wildType.Length)
                    throw new InputException($"mutant '{m}': position {sub.Position} is outside the wild type (1..{wildType.Length} after offset {offset})");
                if (wildType[site - 1] != sub.From)
                    throw new InputException($"mutant '{m}': {sub} needs '{sub.From}' at position {sub.Position} of the wild type, which has '{wildType[site - 1]}'");
            }
            return subs;
        }).ToArray();
        if (fullLength > _maxResidues)
        {
            if (_policy == LongSequencePolicy.Error)
                throw new InputException($"the wild type has {fullLength} residues, more than the model's limit of {_maxResidues}; " +
                    "choose --long truncate (score its first residues; sites past them are refused) or --long windows (each site read from the window centred on it)");
            if (_policy == LongSequencePolicy.Truncate)
            {
                var past = parsed.Select((subs, i) => (subs, i)).Where(v => v.subs.Any(s => s.Position - offset > _maxResidues)).Select(v => mutants[v.i]).ToList();
                if (past.Count > 0)
                    throw new InputException($"{past.Count} mutant{(past.Count == 1 ? " has a site" : "s have sites")} past the first {_maxResidues} residues that --long truncate keeps " +
                        $"({string.Join(", ", past.Take(5))}{(past.Count > 5 ? ", ..." : "")}); choose --long windows");
                wildType = wildType[.._maxResidues];
            }
        }
        return strategy switch
        {
            ZeroShotStrategy.WtMarginals => Marginals(wildType, parsed, offset, masked: false),
            ZeroShotStrategy.MaskedMarginals => Marginals(wildType, parsed, offset, masked: true),
            ZeroShotStrategy.PseudoPpl or ZeroShotStrategy.PseudoLogLikelihood => parsed.Select(subs =>
                PseudoLikelihood(Mutated(wildType, subs, offset), strategy == ZeroShotStrategy.PseudoPpl)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
        };
    }

    private double[] Marginals(string wildType, IReadOnlyList<System.Collections.Immutable.ImmutableArray<Substitution>> variants, int offset, bool masked)
    {
        // Token position (1 + 0-based residue index) → log-probabilities over the vocabulary there.
        var sites = variants.SelectMany(v => v.Select(s => s.Position - offset)).Distinct().Order().ToArray();
        var logProbs = Windowed(wildType, sites, masked);
        return variants.Select(v =>
        {
            double sum = 0;
            foreach (var s in v)
            {
                var row = logProbs[s.Position - offset];
                // float32 difference, then to double: what predict.py's tensor subtraction and .item() give.
                sum += row[Token(s.To)] - row[Token(s.From)];
            }
            return sum;
        }).ToArray();
    }

    private double PseudoLikelihood(string sequence, bool asPredictPy)
    {
        int length = sequence.Length;
        // predict.py: token positions 1..L−2, letter sequence[i] (the next residue's); textbook: 1..L, letter of residue i−1.
        var positions = asPredictPy ? Enumerable.Range(1, Math.Max(0, length - 2)).ToArray() : Enumerable.Range(1, length).ToArray();
        var read = Windowed(sequence, positions, masked: true);
        double sum = 0;
        foreach (var p in positions) sum += read[p][Token(asPredictPy ? sequence[p] : sequence[p - 1])];
        return sum;
    }

    /// <summary>
    /// Log-probabilities at token positions <paramref name="positions"/> (1-based residues) of
    /// <paramref name="sequence"/>, masked or not: the whole sequence when it fits, else (windows) each
    /// position from the window centred on it, positions sharing a window sharing its passes.
    /// </summary>
    private Dictionary<int, float[]> Windowed(string sequence, int[] positions, bool masked)
    {
        if (sequence.Length <= _maxResidues)
        {
            var tokens = _model.Tokenizer.Tokenize(sequence);
            return masked ? MaskedLogProbs(tokens, positions) : UnmaskedLogProbs(tokens, positions);
        }
        var result = new Dictionary<int, float[]>();
        foreach (var group in positions.GroupBy(p => WindowStart(p - 1, sequence.Length, _maxResidues)))
        {
            int start = group.Key;
            var tokens = _model.Tokenizer.Tokenize(sequence.Substring(start, _maxResidues));
            var local = group.Select(p => p - start).ToArray();
            var read = masked ? MaskedLogProbs(tokens, local) : UnmaskedLogProbs(tokens, local);
            foreach (var (p, lp) in read) result[p + start] = lp;
        }
        return result;
    }

    private long Token(char residue) => _model.Tokenizer.Tokenize(residue.ToString())[1];

    private Dictionary<int, float[]> UnmaskedLogProbs(long[] tokens, int[] positions) =>
        LogProbsAt(tokens, tokens, new int[positions.Length], positions);

    /// <summary>For each position: a copy of <paramref name="tokens"/> with it masked; its log-probabilities there.</summary>
    private Dictionary<int, float[]> MaskedLogProbs(long[] tokens, int[] positions)
    {
        var result = new Dictionary<int, float[]>();
        int rowsPerBatch = Math.Max(1, _tokensPerBatch / tokens.Length);
        for (int start = 0; start < positions.Length; start += rowsPerBatch)
        {
            var chunk = positions.Skip(start).Take(rowsPerBatch).ToArray();
            var batch = new long[chunk.Length * tokens.Length];
            for (int r = 0; r < chunk.Length; r++)
            {
                tokens.CopyTo(batch, r * tokens.Length);
                batch[r * tokens.Length + chunk[r]] = _model.MaskToken;
            }
            foreach (var (p, lp) in LogProbsAt(tokens, batch, Enumerable.Range(0, chunk.Length).ToArray(), chunk)) result[p] = lp;
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="batch"/> (rows of <paramref name="template"/>'s length) and returns, for
    /// each pair (row, position), the log-softmax over the vocabulary there, keyed by position. Only
    /// those rows of the [B, T, vocab] log-probabilities leave the device.
    /// </summary>
    private Dictionary<int, float[]> LogProbsAt(long[] template, long[] batch, int[] rowOf, int[] positions)
    {
        using var scope = NewDisposeScope();
        int rows = batch.Length / template.Length;
        // IProteinModel does not expose a device; every family is a TorchSharp module, whose parameters say where it is.
        var device = _model is TorchSharp.torch.nn.Module module ? module.parameters().First().device : CPU;
        var input = tensor(batch, [rows, template.Length], device: device);
        using var output = _model.Forward(input, [], logits: true);
        var picked = output.Logits!
            .index(TensorIndex.Tensor(tensor(rowOf.Select(r => (long)r).ToArray(), device: device)),
                   TensorIndex.Tensor(tensor(positions.Select(p => (long)p).ToArray(), device: device)))
            .log_softmax(-1).to(CPU).contiguous();                                   // [pairs, vocab]
        int vocab = (int)picked.shape[1];
        var flat = picked.data<float>().ToArray();
        var result = new Dictionary<int, float[]>();
        for (int i = 0; i < positions.Length; i++) result[positions[i]] = flat.AsSpan(i * vocab, vocab).ToArray();
        return result;
    }

    private static string Mutated(string wildType, System.Collections.Immutable.ImmutableArray<Substitution> substitutions, int offset)
    {
        var letters = wildType.ToCharArray();
        foreach (var s in substitutions) letters[s.Position - offset - 1] = s.To;
        return new string(letters);
    }
}
