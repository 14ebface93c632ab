using System.Collections.Immutable;
using System.Globalization;

namespace PlmKit.Data;

/// <summary>One amino-acid substitution such as <c>A24C</c>.</summary>
/// <param name="From">Wild-type letter.</param>
/// <param name="Position">1-based position in the mutant string's own numbering.</param>
/// <param name="To">Letter in the variant.</param>
public readonly record struct Substitution(char From, int Position, char To)
{
    /// <inheritdoc/>
    public override string ToString() => $"{From}{Position.ToString(CultureInfo.InvariantCulture)}{To}";
}

/// <summary>
/// Parsing and checking of mutant strings (<c>A24C</c>, <c>A24C:G30W</c>, <c>WT</c>), the
/// wild-type reconstruction and the set of mutated sites, as used by DMS assays.
/// </summary>
public static class Mutations
{
    /// <summary>
    /// True for the spellings that mean "no substitution" (the wild type itself): empty,
    /// <c>WT</c>/<c>wt</c> (any case), <c>_wt</c>.
    /// </summary>
    public static bool IsWildType(string mutant) =>
        mutant.Length == 0 || mutant.Equals("wt", StringComparison.OrdinalIgnoreCase) || mutant.Equals("_wt", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses <paramref name="mutant"/> into substitutions (<c>:</c>-separated, each
    /// letter + 1-based position + letter). Wild-type spellings give an empty array.
    /// </summary>
    /// <exception cref="InputException">The string is not a mutant (no file location).</exception>
    public static ImmutableArray<Substitution> Parse(string mutant) =>
        TryParse(mutant, out var subs, out var problem) ? subs : throw new InputException(problem!);

    /// <summary>Like <see cref="Parse"/>, returning false and a problem text instead of throwing.</summary>
    public static bool TryParse(string mutant, out ImmutableArray<Substitution> substitutions, out string? problem)
    {
        substitutions = ImmutableArray<Substitution>.Empty;
        problem = null;
        if (IsWildType(mutant)) return true;
        var parts = mutant.Split(':');
        var builder = ImmutableArray.CreateBuilder<Substitution>(parts.Length);
        var seen = new HashSet<int>();
        foreach (var part in parts)
        {
            if (part.Length < 3 || !char.IsAsciiLetterUpper(part[0]) || !char.IsAsciiLetterUpper(part[^1])
                || !int.TryParse(part.AsSpan(1, part.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var pos))
            {
                problem = $"mutant '{mutant}': '{part}' is not a substitution like A24C (letter, 1-based position, letter; several joined by ':')";
                return false;
            }
            if (pos < 1)
            {
                problem = $"mutant '{mutant}': position {pos} in '{part}' is not 1-based";
                return false;
            }
            if (!seen.Add(pos))
            {
                problem = $"mutant '{mutant}' names position {pos} twice";
                return false;
            }
            builder.Add(new Substitution(part[0], pos, part[^1]));
        }
        substitutions = builder.MoveToImmutable();
        return true;
    }

    /// <summary>
    /// Checks that <paramref name="sequence"/> carries every substitution of
    /// <paramref name="substitutions"/> (position + <paramref name="offset"/> holds the
    /// <c>To</c> letter). Returns null when it does, else the problem.
    /// </summary>
    /// <param name="sequence">The variant's sequence.</param>
    /// <param name="mutant">The mutant string as written (for the message).</param>
    /// <param name="substitutions">The parsed mutant.</param>
    /// <param name="offset">Added to mutant positions to get sequence positions (0 when both
    /// use the same numbering).</param>
    public static string? Disagreement(string sequence, string mutant, ImmutableArray<Substitution> substitutions, int offset = 0)
    {
        foreach (var s in substitutions)
        {
            int p = s.Position + offset;
            if (p < 1 || p > sequence.Length)
                return $"mutant '{mutant}': position {p} of {s} is beyond the sequence (length {sequence.Length})";
            if (sequence[p - 1] != s.To)
                return $"mutant '{mutant}' disagrees with its sequence: {s} needs '{s.To}' at position {p}, the sequence has '{sequence[p - 1]}'";
        }
        return null;
    }

    /// <summary>
    /// The wild type of a variant: <paramref name="sequence"/> with every substitution of
    /// <paramref name="mutant"/> undone (the <c>From</c> letters put back).
    /// </summary>
    /// <exception cref="InputException">The mutant does not parse or disagrees with the sequence.</exception>
    public static string WildType(string sequence, string mutant, int offset = 0)
    {
        var subs = Parse(mutant);
        if (Disagreement(sequence, mutant, subs, offset) is { } problem) throw new InputException(problem);
        var chars = sequence.ToCharArray();
        foreach (var s in subs) chars[s.Position + offset - 1] = s.From;
        return new string(chars);
    }

    /// <summary>
    /// The mutated sites of a mutant string: its substitution positions (mutant numbering),
    /// ascending; empty for the wild type.
    /// </summary>
    public static ImmutableArray<int> Sites(string? mutant) =>
        mutant is null ? ImmutableArray<int>.Empty : Parse(mutant).Select(s => s.Position).Order().ToImmutableArray();
}
