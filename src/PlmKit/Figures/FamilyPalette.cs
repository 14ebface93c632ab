namespace PlmKit.Figures;

/// <summary>
/// Colours of model families, the same in every figure: ESM-2 blue, ESM C green, ESM-1v orange,
/// AMPLIFY purple, other families grey. Within a family, larger models get darker shades.
/// </summary>
public static class FamilyPalette
{
    // Light-to-dark ramps (ColorBrewer Blues, Greens, Oranges, Purples; colour-blind safe between families).
    private static readonly Dictionary<string, string[]> Ramps = new(StringComparer.Ordinal)
    {
        ["esm2"] = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
        ["esmc"] = ["#74c476", "#31a354", "#006d2c"],
        ["esm1v"] = ["#e6550d"],
        ["amplify"] = ["#9e9ac8", "#6a51a3"],
    };

    private const string Other = "#636363";

    /// <summary>The family's main colour (as a CSS hex string), used for its points and median line.</summary>
    public static string FamilyColour(string family) =>
        Ramps.TryGetValue(family, out var ramp) ? ramp[ramp.Length * 2 / 3] : Other;

    /// <summary>
    /// The colour of one model: a shade of its family's colour by its size rank among
    /// <paramref name="familyModels"/> (the models of that family present in the figure).
    /// </summary>
    public static string ModelColour(ModelId model, IEnumerable<ModelId> familyModels)
    {
        if (!Ramps.TryGetValue(model.Family, out var ramp)) return Other;
        var sizes = familyModels.Where(m => m.Family == model.Family).Select(m => m.Parameters)
            .Append(model.Parameters).Distinct().Order().ToList();
        int rank = sizes.IndexOf(model.Parameters);
        if (sizes.Count == 1) return ramp[ramp.Length * 2 / 3];
        // Spread the family's models over the whole ramp, smallest lightest.
        int shade = (int)Math.Round(rank * (ramp.Length - 1) / (double)(sizes.Count - 1));
        return ramp[shade];
    }
}
