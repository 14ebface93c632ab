namespace PlmKit.Models.Esm;

/// <summary>
/// fair-esm's ESM-1b/ESM-2 alphabet (<c>Alphabet.from_architecture("ESM-1b")</c>): 33 tokens,
/// <c>&lt;cls&gt;</c> prepended and <c>&lt;eos&gt;</c> appended to every sequence, <c>&lt;pad&gt;</c>
/// for padding. Sequences are checked by <see cref="ResidueAlphabet.Validate"/> first.
/// </summary>
public static class EsmAlphabet
{
    /// <summary>All tokens by index (fair-esm's <c>alphabet.all_toks</c>; the HF <c>vocab.txt</c>).</summary>
    public static IReadOnlyList<string> Tokens { get; } =
    [
        "<cls>", "<pad>", "<eos>", "<unk>",
        "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y", "M", "H", "W", "C",
        "X", "B", "U", "Z", "O", ".", "-",
        "<null_1>", "<mask>",
    ];

    /// <summary>Number of tokens (33).</summary>
    public const int Size = 33;

    /// <summary><c>&lt;cls&gt;</c> (BOS), prepended to every sequence.</summary>
    public const int Cls = 0;

    /// <summary><c>&lt;pad&gt;</c>, fills batches up to the longest sequence.</summary>
    public const int Pad = 1;

    /// <summary><c>&lt;eos&gt;</c>, appended after the (possibly truncated) residues.</summary>
    public const int Eos = 2;

    /// <summary><c>&lt;unk&gt;</c>.</summary>
    public const int Unk = 3;

    /// <summary><c>&lt;mask&gt;</c>; its embedding is zeroed by token dropout.</summary>
    public const int Mask = 32;

    /// <summary>The residue letters with a token of their own (<see cref="ResidueAlphabet.Letters"/>).</summary>
    public const string ResidueLetters = ResidueAlphabet.Letters;

    /// <summary>The alphabet as an <see cref="IProteinTokenizer"/>.</summary>
    public static IProteinTokenizer Tokenizer { get; } = new EsmTokenizer();

    private sealed class EsmTokenizer : IProteinTokenizer
    {
        public long Pad => EsmAlphabet.Pad;
        public IReadOnlyList<string> Vocabulary => Tokens;
        public long[] Tokenize(string sequence, int? maxResidues = null) => EsmAlphabet.Tokenize(sequence, maxResidues);
    }

    // Index by ASCII code; -1 = not a residue letter. A lookup table because tokenizing is on the
    // hot path of every batch.
    private static readonly sbyte[] LetterToToken = BuildLookup();

    private static sbyte[] BuildLookup()
    {
        var table = Enumerable.Repeat((sbyte)-1, 128).ToArray();
        for (int i = 0; i < Size; i++)
            if (Tokens[i].Length == 1 && ResidueLetters.Contains(Tokens[i][0]))
                table[Tokens[i][0]] = (sbyte)i;
        return table;
    }

    /// <summary>Token index of residue letter <paramref name="letter"/>, or -1 when it is not one.</summary>
    public static int TokenOf(char letter) => letter < 128 ? LetterToToken[letter] : -1;

    /// <summary>
    /// Tokens of one sequence: <c>&lt;cls&gt;</c>, the first <paramref name="maxResidues"/> residues
    /// (all when null), <c>&lt;eos&gt;</c> — extract.py's truncation cuts the residues, then appends EOS.
    /// </summary>
    /// <param name="sequence">A sequence that passed <see cref="ResidueAlphabet.Validate"/>.</param>
    /// <param name="maxResidues">Keep at most this many residues, or null for all.</param>
    /// <returns>Token indices, length min(L, maxResidues) + 2.</returns>
    /// <exception cref="InputException">The sequence holds a character that is not a residue letter.</exception>
    public static long[] Tokenize(string sequence, int? maxResidues = null)
    {
        int n = Math.Min(sequence.Length, maxResidues ?? int.MaxValue);
        var tokens = new long[n + 2];
        tokens[0] = Cls;
        for (int i = 0; i < n; i++)
        {
            int t = TokenOf(sequence[i]);
            if (t < 0) throw new InputException($"character '{sequence[i]}' at position {i + 1} is not an amino-acid letter ({ResidueLetters}).");
            tokens[i + 1] = t;
        }
        tokens[n + 1] = Eos;
        return tokens;
    }
}
