using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit stats</c>: the study's mixed model and glht contrasts on a tidy results table,
/// written as CSVs with the columns of the lme4 reference files so the two can be diffed.
/// </summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Tidy CSV with one row per observation (e.g. the study's summary_*.csv).", Required = true };
        var response = new Option<string>("--response") { Description = "Numeric response column.", DefaultValueFactory = _ => "R2_score_test" };
        var effect = new Option<string>("--effect") { Description = "Categorical fixed effect column; 'A:B' combines columns (levels 'a:b').", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Reference level of the effect (default: the first level in sorted order)." };
        var random = new Option<string[]>("--random")
        {
            Description = "Random intercept grouping, repeatable: 'Dataset', 'Dataset:Fold', or nested 'Dataset/Fold'.",
            Required = true,
        };
        var covariate = new Option<string[]>("--covariate") { Description = "Numeric covariate column (fixed slope), repeatable." };
        var reml = new Option<bool>("--reml") { Description = "Estimate variances by REML (the default)." };
        var ml = new Option<bool>("--ml") { Description = "Estimate by maximum likelihood instead of REML." };
        var pairs = new Option<bool>("--pairs") { Description = "All pairwise (Tukey) contrasts instead of each level against the reference." };
        var adjust = new Option<string>("--adjust") { Description = "P-value adjustment: single-step (default), holm, bonferroni or none.", DefaultValueFactory = _ => "single-step" };
        var margin = new Option<double?>("--margin") { Description = "Equivalence margin: TOST of every level against the best one, written to <prefix>_equivalence.csv." };
        var orderBy = new Option<string?>("--order-by") { Description = "With --margin: numeric column giving each level's size (e.g. parameters); reports the smallest level within the margin." };
        var output = new Option<string>("--out") { Description = "Output prefix: writes <prefix>_fixed.csv, _varcomp.csv, _contrasts.csv, _manifest.json.", Required = true };

        var command = new Command("stats", "Fit a linear mixed model (lme4-style) and test its levels with simultaneous contrasts (multcomp-style).")
        {
            input, response, effect, reference, random, covariate, reml, ml, pairs, adjust, margin, orderBy, output,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(reml) && parse.GetValue(ml))
                throw new ConfigurationException("--reml and --ml exclude each other");
            var adjustment = parse.GetValue(adjust) switch
            {
                "single-step" => PAdjustment.SingleStep,
                "holm" => PAdjustment.Holm,
                "bonferroni" => PAdjustment.Bonferroni,
                "none" => PAdjustment.None,
                var other => throw new ConfigurationException($"--adjust must be single-step, holm, bonferroni or none, not '{other}'"),
            };
            string path = parse.GetValue(input)!;
            var table = TidyTable.Read(path);
            var factor = new FactorEffect(parse.GetValue(effect)!.Split(':'), parse.GetValue(reference));
            var formula = new MixedModelFormula(parse.GetValue(response)!, [factor], parse.GetValue(covariate) ?? [],
                [.. parse.GetValue(random)!.SelectMany(RandomIntercept.Parse)]);
            var criterion = parse.GetValue(ml) ? FitCriterion.MaximumLikelihood : FitCriterion.Reml;
            var fit = LinearMixedModel.Fit(table, formula, new MixedModelOptions(criterion));
            var options = new ContrastOptions(adjustment);
            var contrasts = parse.GetValue(pairs)
                ? MultipleComparisons.Tukey(fit, factor.Name, options)
                : MultipleComparisons.Dunnett(fit, factor.Name, options);

            string prefix = parse.GetValue(output)!;
            string? folder = Path.GetDirectoryName(Path.GetFullPath(prefix));
            if (folder is not null) Directory.CreateDirectory(folder);
            var written = new List<string>();
            written.Add(Write(prefix + "_fixed.csv", ["term", "estimate", "std_error", "statistic"],
                fit.FixedEffects.Select(e => new object[] { e.Label, e.Estimate, e.StdError, e.TValue })));
            written.Add(Write(prefix + "_varcomp.csv", ["grp", "vcov", "sdcor"],
                fit.VarianceComponents.Select(c => new object[] { c.Group, c.Variance, c.StdDev })));
            string pColumn = adjustment switch
            {
                PAdjustment.SingleStep => "p_adj_single_step",
                PAdjustment.Holm => "p_adj_holm",
                PAdjustment.Bonferroni => "p_adj_bonferroni",
                _ => "p_unadjusted",
            };
            written.Add(Write(prefix + "_contrasts.csv", ["contrast", "estimate", "std_error", "z", pColumn, "conf_low", "conf_high"],
                contrasts.Contrasts.Select(c => new object[] { c.Name, c.Estimate, c.StdError, c.Z, c.PValue, c.ConfLow, c.ConfHigh })));

            var stdout = parse.InvocationConfiguration.Output;
            stdout.WriteLine($"{formula}  ({(criterion == FitCriterion.Reml ? "REML" : "ML")}, reference '{fit.Factor(factor.Name).Reference}')");
            stdout.WriteLine($"n = {fit.ObservationCount}; groups: {string.Join(", ", fit.GroupCounts.Select(g => $"{g.Key} {g.Value}"))}");
            stdout.WriteLine($"{(criterion == FitCriterion.Reml ? "REML criterion" : "deviance")} = {fit.Objective.ToString("F4", CultureInfo.InvariantCulture)}; " +
                             $"converged = {fit.Converged}; singular = {fit.IsSingular}");

            string? smallest = null;
            double? marginValue = parse.GetValue(margin);
            if (marginValue is { } delta)
            {
                if (!(delta > 0)) throw new ConfigurationException("--margin must be a positive number");
                string? sizeColumn = parse.GetValue(orderBy);
                var levels = sizeColumn is null
                    ? fit.Factor(factor.Name).Levels
                    : LevelsBySize(table, factor, sizeColumn);
                var result = Equivalence.SmallestWithinMargin(fit, factor.Name, levels, delta);
                written.Add(Write(prefix + "_equivalence.csv", ["contrast", "estimate", "std_error", "margin", "p_tost", "conf_low_90", "conf_high_90", "equivalent"],
                    result.Tests.Select(t => new object[] { t.Name, t.Estimate, t.StdError, t.Margin, t.PValue, t.ConfLow, t.ConfHigh, t.Equivalent })));
                stdout.WriteLine($"best level: {result.Best}");
                if (sizeColumn is not null)
                {
                    smallest = result.Smallest;
                    stdout.WriteLine($"smallest level within ±{delta.ToString(CultureInfo.InvariantCulture)} of the best (TOST, alpha 0.05): {smallest}");
                }
            }
            string manifest = prefix + "_manifest.json";
            File.WriteAllText(manifest, JsonSerializer.Serialize(new
            {
                tool = "plmkit stats",
                version = PlmKitVersion.Current,
                input = Path.GetFullPath(path),
                formula = formula.ToString(),
                reference = fit.Factor(factor.Name).Reference,
                criterion = criterion == FitCriterion.Reml ? "REML" : "ML",
                objective = fit.Objective,
                n = fit.ObservationCount,
                groups = fit.GroupCounts,
                converged = fit.Converged,
                singular = fit.IsSingular,
                theta = fit.Theta,
                contrasts = parse.GetValue(pairs) ? "Tukey" : "Dunnett",
                adjustment = pColumn,
                critical_value = contrasts.CriticalValue,
                margin = marginValue,
                smallest_within_margin = smallest,
                files = written.Select(Path.GetFileName),
                created_utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            }, new JsonSerializerOptions { WriteIndented = true }));
            stdout.WriteLine($"wrote {string.Join(", ", written.Append(manifest))}");
            return 0;
        });
        return command;
    }

    /// <summary>Levels of the effect ordered by the (per-level constant) numeric <paramref name="column"/>, smallest first.</summary>
    private static IReadOnlyList<string> LevelsBySize(TidyTable table, FactorEffect factor, string column)
    {
        var sizes = table.Numbers(column);
        var cells = factor.Columns.Select(table.Strings).ToArray();
        var sizeOf = new Dictionary<string, (double Size, int Row)>(StringComparer.Ordinal);
        for (int r = 0; r < table.RowCount; r++)
        {
            string level = string.Join(":", cells.Select(c => c[r]));
            if (!double.IsFinite(sizes[r]))
                throw new InputException(table.Source, table.LineOf(r), $"column '{column}' has {sizes[r]}; a finite number is needed");
            if (sizeOf.TryGetValue(level, out var seen) && seen.Size != sizes[r])
                throw new InputException(table.Source, table.LineOf(r),
                    $"level '{level}' has {column} {sizes[r]} here but {seen.Size} on line {table.LineOf(seen.Row)}; --order-by needs one value per level");
            sizeOf.TryAdd(level, (sizes[r], r));
        }
        return [.. sizeOf.OrderBy(kv => kv.Value.Size).ThenBy(kv => kv.Key, FactorEffect.LevelOrder).Select(kv => kv.Key)];
    }

    /// <summary>Writes a CSV the way R's write.csv does: text quoted, numbers in round-trip form.</summary>
    private static string Write(string path, string[] header, IEnumerable<object[]> rows)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(",", header.Select(Quote)));
        foreach (var row in rows)
            writer.WriteLine(string.Join(",", row.Select(v => v switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "TRUE" : "FALSE",
                string s => Quote(s),
                _ => Convert.ToString(v, CultureInfo.InvariantCulture),
            })));
        return path;
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
}
