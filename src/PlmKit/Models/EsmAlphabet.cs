using System.Text;

namespace PlmKit.Models;

/// <summary>
/// fair-esm's ESM-1b/ESM-2 alphabet (<c>Alphabet.from_architecture("ESM-1b")</c>): 33 tokens,
/// <c>&lt;cls&gt;</c> prepended and <c>&lt;eos&gt;</c> appended to every sequence, <c>&lt;pad&gt;</c>
/// for padding. Also the input check: only the 25 amino-acid letters the models were trained on
/// are accepted (lowercase, gaps and other characters are reported, never silently mapped to
/// <c>&lt;unk&gt;</c> as fair-esm would).
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

    /// <summary>The letters a protein sequence may contain: 20 standard amino acids plus X B U Z O.</summary>
    public const string ResidueLetters = "LAGVSERTIDPKQNFYMHWCXBUZO";

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
    /// <param name="sequence">A sequence that passed <see cref="Validate"/>.</param>
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

    /// <summary>
    /// Checks every sequence and reports all problems at once: empty sequences, lowercase letters,
    /// gaps (<c>-</c>, <c>.</c>) and any other character, with the sequence id and 1-based positions.
    /// </summary>
    /// <param name="sequences">(id, sequence) pairs.</param>
    /// <param name="source">File the sequences came from, for the message (or null).</param>
    /// <exception cref="InputException">One or more sequences are invalid; the message lists them (at most 10).</exception>
    public static void Validate(IEnumerable<(string Id, string Sequence)> sequences, string? source = null)
    {
        var problems = new List<string>();
        int bad = 0;
        foreach (var (id, seq) in sequences)
        {
            string? problem = Check(seq);
            if (problem is null) continue;
            bad++;
            if (problems.Count < 10) problems.Add($"'{id}' {problem}");
        }
        if (bad == 0) return;
        var message = new StringBuilder($"{bad} invalid sequence{(bad == 1 ? "" : "s")}: ");
        message.Append(string.Join("; ", problems));
        if (bad > problems.Count) message.Append($"; and {bad - problems.Count} more");
        message.Append($". Sequences must be upper-case one-letter codes from {ResidueLetters}, without gaps.");
        throw new InputException(source, null, message.ToString());
    }

    /// <summary>What is wrong with one sequence, or null when it is valid.</summary>
    public static string? Check(string sequence)
    {
        if (sequence.Length == 0) return "is empty";
        var lower = new List<int>();
        var gaps = new List<int>();
        var other = new List<(int Position, char Letter)>();
        for (int i = 0; i < sequence.Length; i++)
        {
            char c = sequence[i];
            if (TokenOf(c) >= 0) continue;
            if (char.IsLower(c)) lower.Add(i + 1);
            else if (c is '-' or '.') gaps.Add(i + 1);
            else other.Add((i + 1, c));
        }
        if (lower.Count + gaps.Count + other.Count == 0) return null;
        var parts = new List<string>();
        if (lower.Count > 0) parts.Add($"has lowercase letters at {Positions(lower)}");
        if (gaps.Count > 0) parts.Add($"has gaps at {Positions(gaps)}");
        if (other.Count > 0)
            parts.Add($"has unknown characters {string.Join(", ", other.Take(5).Select(o => $"'{Printable(o.Letter)}' at {o.Position}"))}" +
                      (other.Count > 5 ? $" (and {other.Count - 5} more)" : ""));
        return string.Join(", ", parts);
    }

    private static string Positions(List<int> positions) =>
        string.Join(",", positions.Take(5)) + (positions.Count > 5 ? $" (and {positions.Count - 5} more)" : "");

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:X4}" : c.ToString();
}
