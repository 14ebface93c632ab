namespace PlmKit.Models.EsmC;

/// <summary>
/// ESM C's sequence tokenizer (<c>esm/tokenization/sequence_tokenizer.py</c> over
/// <c>esm.utils.constants.esm3.SEQUENCE_VOCAB</c>): one token per residue between
/// <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>, <c>&lt;pad&gt;</c> for padding. The ids equal
/// ESM-2's except 31, which is the chain break <c>|</c> here. Sequences are checked by
/// <see cref="ResidueAlphabet.Validate"/> first, so <c>|</c>, <c>&lt;mask&gt;</c> and
/// <c>_</c> never reach it from user input.
/// </summary>
public sealed class EsmCTokenizer : IProteinTokenizer
{
    /// <summary><c>&lt;cls&gt;</c> (BOS), prepended to every sequence.</summary>
    public const int Cls = 0;

    /// <summary><c>&lt;pad&gt;</c>, fills batches up to the longest sequence.</summary>
    public const int PadId = 1;

    /// <summary><c>&lt;eos&gt;</c>, appended after the residues.</summary>
    public const int Eos = 2;

    /// <summary><c>&lt;unk&gt;</c>.</summary>
    public const int Unk = 3;

    /// <summary><c>|</c>, the chain break.</summary>
    public const int ChainBreak = 31;

    /// <summary><c>&lt;mask&gt;</c>.</summary>
    public const int Mask = 32;

    /// <summary>The 33 tokens by id (the official <c>SEQUENCE_VOCAB</c>).</summary>
    public static IReadOnlyList<string> Tokens { get; } =
    [
        "<cls>", "<pad>", "<eos>", "<unk>",
        "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y", "M", "H", "W", "C",
        "X", "B", "U", "Z", "O", ".", "-",
        "|", "<mask>",
    ];

    /// <summary>The one instance (the tokenizer has no state). Declared after <see cref="Tokens"/>, which its lookup table reads.</summary>
    public static EsmCTokenizer Instance { get; } = new();

    // Index by ASCII code; -1 = not a residue letter. Every letter of ResidueAlphabet has its own id.
    private readonly sbyte[] letterToToken = BuildLookup();

    private EsmCTokenizer()
    {
    }

    /// <inheritdoc/>
    public long Pad => PadId;

    /// <inheritdoc/>
    public IReadOnlyList<string> Vocabulary => Tokens;

    private static sbyte[] BuildLookup()
    {
        var table = Enumerable.Repeat((sbyte)-1, 128).ToArray();
        for (int i = 0; i < Tokens.Count; i++)
            if (Tokens[i].Length == 1 && ResidueAlphabet.IsResidue(Tokens[i][0]))
                table[Tokens[i][0]] = (sbyte)i;
        return table;
    }

    /// <summary>Token id of residue letter <paramref name="letter"/>, or -1 when it is not one.</summary>
    public int TokenOf(char letter) => letter < 128 ? letterToToken[letter] : -1;

    /// <inheritdoc/>
    public long[] Tokenize(string sequence, int? maxResidues = null)
    {
        int n = Math.Min(sequence.Length, maxResidues ?? int.MaxValue);
        var tokens = new long[n + 2];
        tokens[0] = Cls;
        for (int i = 0; i < n; i++)
        {
            int t = TokenOf(sequence[i]);
            if (t < 0) throw new InputException($"character '{sequence[i]}' at position {i + 1} is not an amino-acid letter ({ResidueAlphabet.Letters}).");
            tokens[i + 1] = t;
        }
        tokens[n + 1] = Eos;
        return tokens;
    }
}
