using System.Text;

namespace PlmKit.Models;

/// <summary>
/// The input check every family shares: a protein sequence is upper-case one-letter codes from
/// the 20 standard amino acids plus X B U Z O. Lowercase letters, gaps and any other character
/// are reported with the sequence id and position, never silently mapped to an unknown token (as
/// the reference tokenizers would). Each family's tokenizer then maps the letters to its own ids.
/// </summary>
public static class ResidueAlphabet
{
    /// <summary>The letters a protein sequence may contain: 20 standard amino acids plus X B U Z O.</summary>
    public const string Letters = "LAGVSERTIDPKQNFYMHWCXBUZO";

    /// <summary>Whether <paramref name="c"/> is one of <see cref="Letters"/>.</summary>
    public static bool IsResidue(char c) => c is >= 'A' and <= 'Z' && Letters.Contains(c);

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
        message.Append($". Sequences must be upper-case one-letter codes from {Letters}, without gaps.");
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
            if (IsResidue(c)) continue;
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
