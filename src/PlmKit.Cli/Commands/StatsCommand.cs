using System.CommandLine;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit stats</c>: the study's mixed model and glht contrasts on a tidy results table
/// (<see cref="StudyAnalysis"/>), written into a folder as CSVs with the columns of the lme4
/// reference files so the two can be diffed.
/// </summary>
internal static class StatsCommand
{
    /// <summary>Prefix of every file <c>plmkit stats</c> (and the statistics of <c>plmkit run</c>) writes.</summary>
    public const string Prefix = "stats";

    public static Command Create()
    {
        var input = new Option<string[]>("--input")
        {
            Description = "Tidy CSV with one row per observation (e.g. the study's summary_*.csv); repeatable: tables with the same columns are joined (evaluate's and finetune's results.csv).",
            Required = true,
        };
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
        var margin = new Option<double?>("--margin") { Description = "Equivalence margin: TOST of every level against the best one, written to stats_equivalence.csv." };
        var orderBy = new Option<string?>("--order-by") { Description = "With --margin: numeric column giving each level's size (e.g. parameters); reports the smallest level within the margin." };
        var output = new Option<string>("--out")
        {
            Description = "Output folder: stats_fixed.csv, stats_varcomp.csv, stats_contrasts.csv, [stats_equivalence.csv], stats.manifest.json.",
            Required = true,
        };

        var command = new Command("stats", "Fit a linear mixed model (lme4-style) and test its levels with simultaneous contrasts (multcomp-style).")
        {
            input, response, effect, reference, random, covariate, reml, ml, pairs, adjust, margin, orderBy, output,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(reml) && parse.GetValue(ml))
                throw new ConfigurationException("--reml and --ml exclude each other");
            var settings = StudyAnalysisSettings.Of(parse.GetValue(response)!, parse.GetValue(effect)!, parse.GetValue(random)!, parse.GetValue(reference)) with
            {
                Covariates = parse.GetValue(covariate) ?? [],
                Criterion = parse.GetValue(ml) ? FitCriterion.MaximumLikelihood : FitCriterion.Reml,
                Contrasts = parse.GetValue(pairs) ? ContrastKind.Tukey : ContrastKind.Dunnett,
                Adjustment = StudyAnalysisKeys.ParseAdjustment(parse.GetValue(adjust)!),
                Margin = parse.GetValue(margin),
                OrderBy = parse.GetValue(orderBy),
            };
            settings.Validate();
            OutputFolder.Check(parse.GetValue(output)!, "--out", ".csv");
            var result = StudyAnalysis.Run(TidyTable.Concat([.. parse.GetValue(input)!.Select(TidyTable.Read)]), settings);
            var files = result.Write(parse.GetValue(output)!, Prefix, "stats", ["plmkit", .. parse.Tokens.Select(t => t.Value)]);

            var stdout = parse.InvocationConfiguration.Output;
            Report(stdout, result);
            stdout.WriteLine($"wrote {string.Join(", ", files)}");
            return 0;
        });
        return command;
    }

    /// <summary>The analysis in a few lines: model, sample, fit quality, and the equivalence answers when asked.</summary>
    public static void Report(TextWriter stdout, StudyAnalysisResult result)
    {
        var fit = result.Fit;
        bool reml = fit.Criterion == FitCriterion.Reml;
        stdout.WriteLine($"{fit.Formula}  ({(reml ? "REML" : "ML")}, reference '{result.Reference}')");
        stdout.WriteLine($"n = {fit.ObservationCount}; groups: {string.Join(", ", fit.GroupCounts.Select(g => $"{g.Key} {g.Value}"))}");
        stdout.WriteLine($"{(reml ? "REML criterion" : "deviance")} = {fit.Objective.ToString("F4", CultureInfo.InvariantCulture)}; " +
                         $"converged = {fit.Converged}; singular = {fit.IsSingular}");
        if (result.Best is { } best)
            stdout.WriteLine($"best level: {best}");
        if (result.Smallest is { } smallest)
            stdout.WriteLine($"smallest level within ±{result.Settings.Margin!.Value.ToString(CultureInfo.InvariantCulture)} of the best (TOST, alpha 0.05): {smallest}");
    }
}
