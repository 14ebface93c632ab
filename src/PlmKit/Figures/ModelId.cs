using System.Globalization;
using System.Text.RegularExpressions;

namespace PlmKit.Figures;

/// <summary>
/// A protein language model as the study's tables name it: a family (<c>esm2</c>, <c>esmc</c>,
/// <c>esm1v</c>, <c>amplify</c>, or anything else) and a size label (<c>8M</c> … <c>15B</c>).
/// </summary>
/// <param name="Family">Family name in lower case, as in the tables' <c>Model</c> column.</param>
/// <param name="Size">Size label as in the tables' <c>ModelSize</c> column (e.g. <c>150M</c>).</param>
/// <param name="Parameters">Number of parameters (e.g. 1.5e8 for 150M).</param>
public sealed partial record ModelId(string Family, string Size, double Parameters) : IComparable<ModelId>
{
    /// <summary>Display name of the family: ESM-2, ESM C, ESM-1v, AMPLIFY, or the name as given.</summary>
    public string FamilyLabel => FamilyDisplayName(Family);

    /// <summary>Display name of the model, e.g. "ESM-2 150M".</summary>
    public string Label => $"{FamilyLabel} {Size}";

    /// <summary>Orders by family (ESM-2, ESM C, ESM-1v, AMPLIFY, others by name), then by size.</summary>
    public int CompareTo(ModelId? other)
    {
        if (other is null) return 1;
        int byFamily = FamilyRank(Family).CompareTo(FamilyRank(other.Family));
        if (byFamily != 0) return byFamily;
        int byName = string.CompareOrdinal(Family, other.Family);
        return byName != 0 ? byName : Parameters.CompareTo(other.Parameters);
    }

    /// <summary>
    /// The model from the study's <c>Model</c> and <c>ModelSize</c> columns (<c>esm2</c>, <c>150M</c>),
    /// or from one combined name when <paramref name="size"/> is null (<c>esm2_150M</c>,
    /// <c>esm2_t30_150M_UR50D</c>, <c>esmc_600m</c>).
    /// </summary>
    /// <param name="model">Family, or a combined family + size name.</param>
    /// <param name="size">Size label (<c>8M</c>, <c>3B</c>; case-insensitive), or null.</param>
    /// <param name="parameters">Parameter count when the table gives it; otherwise it is read off the size label.</param>
    /// <returns>The model, or null when no size can be found in the names.</returns>
    public static ModelId? TryParse(string model, string? size = null, double? parameters = null)
    {
        string family = model.Trim().ToLowerInvariant();
        string? label = size?.Trim();
        if (string.IsNullOrEmpty(label))
        {
            // Combined names: the family is the first token, the size the first token like 150M / 3B.
            var tokens = family.Split('_', '-', ' ');
            var sizeToken = tokens.Skip(1).FirstOrDefault(t => SizeLabel().IsMatch(t));
            if (sizeToken is null) return null;
            family = tokens[0];
            label = sizeToken;
        }
        var m = SizeLabel().Match(label);
        if (!m.Success) return null;
        double count = parameters ?? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            * (char.ToUpperInvariant(m.Groups[2].Value[0]) == 'B' ? 1e9 : 1e6);
        string normalised = m.Groups[1].Value + char.ToUpperInvariant(m.Groups[2].Value[0]);
        return new ModelId(family, normalised, count);
    }

    /// <summary>Display name of a family name as the tables write it.</summary>
    public static string FamilyDisplayName(string family) => family switch
    {
        "esm2" => "ESM-2",
        "esmc" => "ESM C",
        "esm1v" => "ESM-1v",
        "amplify" => "AMPLIFY",
        _ => family,
    };

    private static int FamilyRank(string family) => family switch
    {
        "esm2" => 0,
        "esmc" => 1,
        "esm1v" => 2,
        "amplify" => 3,
        _ => 4,
    };

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)([MmBb])$")]
    private static partial Regex SizeLabel();
}
