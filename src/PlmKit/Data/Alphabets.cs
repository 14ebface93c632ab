namespace PlmKit.Data;

/// <summary>Amino-acid alphabets and the sequence letter check shared by the readers.</summary>
public static class Alphabets
{
    /// <summary>The 20 standard amino acids in the study's one-hot order.</summary>
    public const string Standard = "ACDEFGHIKLMNPQRSTVWY";

    /// <summary>
    /// The 20 plus the other letters ESM-2's vocabulary has: X (unknown; the study's PTEN and
    /// TPMT assays write nonsense variants as X), B, U, Z, O.
    /// </summary>
    public const string Extended = Standard + "XBUZO";

    /// <summary>
    /// Null when every letter of <paramref name="sequence"/> is in <paramref name="alphabet"/>
    /// and the sequence is not empty; else the problem, naming the letter and its 1-based position.
    /// </summary>
    /// <param name="sequence">Letters to check.</param>
    /// <param name="alphabet">Allowed letters.</param>
    /// <param name="positionOffset">Added to reported positions (a FASTA line's start within its record).</param>
    public static string? Check(string sequence, string alphabet, int positionOffset = 0)
    {
        if (sequence.Length == 0) return "empty sequence";
        for (int i = 0; i < sequence.Length; i++)
        {
            char c = sequence[i];
            if (alphabet.Contains(c)) continue;
            if (char.IsAsciiLetterLower(c) && alphabet.Contains(char.ToUpperInvariant(c)))
                return $"lower-case letter '{c}' at position {i + 1 + positionOffset}: sequences must be upper case";
            return $"letter {Describe(c)} at position {i + 1 + positionOffset} is not an amino acid (allowed: {alphabet})";
        }
        return null;
    }

    private static string Describe(char c) => c switch
    {
        ' ' => "' ' (space)",
        '\t' => "'\\t' (tab)",
        _ when char.IsControl(c) => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}
