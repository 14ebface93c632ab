using System.Globalization;
using System.Text;
using PlmKit.Statistics;

namespace PlmKit.Interactive;

/// <summary>
/// Plain-text summaries laid out as R prints them, so a reader who knows the study's R code finds
/// the numbers where lme4's <c>summary(lmer(…))</c> and multcomp's <c>summary(glht(…))</c> put them.
/// Numbers have 4 significant digits (R's default in these tables is similar); p-values below
/// 10^-4 print as <c>&lt;1e-04</c> as multcomp does. Residual quantiles and the correlation of fixed
/// effects are not shown: PlmKit's fit does not keep residuals.
/// </summary>
public static class RSummaries
{
    /// <summary>The fit as lme4's <c>summary</c> prints it: criterion, random effects, group counts, fixed effects.</summary>
    public static string Fit(MixedModelFit fit)
    {
        var text = new StringBuilder();
        text.Append("Linear mixed model fit by ").Append(fit.Criterion == FitCriterion.Reml ? "REML" : "maximum likelihood").Append('\n');
        text.Append("Formula: ").Append(fit.Formula).Append("\n\n");
        if (fit.Criterion == FitCriterion.Reml)
            text.Append("REML criterion at convergence: ").Append(Number(fit.Objective, 1)).Append("\n\n");
        else
            text.Append("logLik: ").Append(Number(fit.LogLikelihood, 1)).Append("  deviance: ").Append(Number(fit.Objective, 1)).Append("\n\n");

        text.Append("Random effects:\n");
        var random = new List<string[]> { new[] { " Groups", "Name", "Variance", "Std.Dev." } };
        foreach (var c in fit.VarianceComponents)
            random.Add([" " + c.Group, c.Group == "Residual" ? "" : "(Intercept)", Significant(c.Variance), Significant(c.StdDev)]);
        AppendAligned(text, random, rightAligned: [false, false, true, true]);
        text.Append("Number of obs: ").Append(fit.ObservationCount.ToString(CultureInfo.InvariantCulture)).Append(", groups:  ")
            .Append(string.Join("; ", fit.GroupCounts.Select(g => $"{g.Key}, {g.Value.ToString(CultureInfo.InvariantCulture)}"))).Append("\n\n");

        text.Append("Fixed effects:\n");
        var fixedRows = new List<string[]> { new[] { "", "Estimate", "Std. Error", "t value" } };
        foreach (var e in fit.FixedEffects)
            fixedRows.Add([e.Term, Significant(e.Estimate), Significant(e.StdError), Number(e.TValue, 2)]);
        AppendAligned(text, fixedRows, rightAligned: [false, true, true, true]);
        if (fit.IsSingular) text.Append("boundary (singular) fit: a variance component is estimated at 0\n");
        if (!fit.Converged) text.Append("Model failed to converge within ").Append(fit.Evaluations.ToString(CultureInfo.InvariantCulture)).Append(" evaluations\n");
        return text.ToString();
    }

    /// <summary>
    /// The contrasts as multcomp's <c>summary(glht(…))</c> prints them, followed by the simultaneous
    /// intervals of <c>confint</c>: estimate, standard error, z value and adjusted p with R's
    /// significance stars, then lower and upper bounds.
    /// </summary>
    public static string Contrasts(ContrastTable table)
    {
        var text = new StringBuilder("\t Simultaneous Tests for General Linear Hypotheses\n\nLinear Hypotheses:\n");
        var rows = new List<string[]> { new[] { "", "Estimate", "Std. Error", "z value", "Pr(>|z|)", "" } };
        foreach (var c in table.Contrasts)
            rows.Add([c.Name + " == 0", Significant(c.Estimate), Significant(c.StdError), Number(c.Z, 3), PValue(c.PValue), Stars(c.PValue)]);
        AppendAligned(text, rows, rightAligned: [false, true, true, true, true, false]);
        text.Append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
        text.Append("(Adjusted p values reported -- ").Append(AdjustmentName(table.Adjustment)).Append(" method)\n\n");

        string level = Number(table.ConfidenceLevel * 100, 0);
        text.Append("Simultaneous Confidence Intervals\n\n").Append(level).Append("% family-wise confidence level, quantile = ")
            .Append(Number(table.CriticalValue, 4)).Append("\n\n");
        var intervals = new List<string[]> { new[] { "", "Estimate", "lwr", "upr" } };
        foreach (var c in table.Contrasts)
            intervals.Add([c.Name + " == 0", Significant(c.Estimate), Significant(c.ConfLow), Significant(c.ConfHigh)]);
        AppendAligned(text, intervals, rightAligned: [false, true, true, true]);
        return text.ToString();
    }

    private static string AdjustmentName(PAdjustment adjustment) => adjustment switch
    {
        PAdjustment.SingleStep => "single-step",
        PAdjustment.Holm => "holm",
        PAdjustment.Bonferroni => "bonferroni",
        _ => "none",
    };

    private static string PValue(double p) => double.IsNaN(p) ? "NA" : p < 1e-4 ? "<1e-04" : Significant(p);

    private static string Stars(double p) => double.IsNaN(p) ? "" : p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";

    private static string Number(double x, int decimals) => x.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Significant(double x) => TableHtml.Format(x);

    private static void AppendAligned(StringBuilder text, List<string[]> rows, bool[] rightAligned)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = Enumerable.Range(0, columns).Select(c => rightAligned[c] ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
            text.Append(string.Join(" ", cells).TrimEnd()).Append('\n');
        }
    }
}
