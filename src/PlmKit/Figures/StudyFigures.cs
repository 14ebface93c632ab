using System.Globalization;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// Draws the study's figures from their numbers (<see cref="CompressionData"/>,
/// <see cref="ModelSizeData"/>, <see cref="DatasetSizeData"/>, <see cref="LearningCurveData"/>)
/// as XPlot.Plotly charts. The same charts appear in notebooks and in <c>plmkit figures</c>.
/// Charts get a fixed element id (the figure's kind) so their HTML is reproducible.
/// </summary>
public static partial class StudyFigures
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Figure 2: each compression's difference in test R² from the reference with its simultaneous
    /// 95% interval, best at the top; intervals entirely below zero red, entirely above blue,
    /// overlapping zero grey.
    /// </summary>
    /// <param name="data">The contrasts.</param>
    /// <param name="title">Figure title; null for a default naming the reference.</param>
    /// <returns>A chart 900 px wide, 40 px per contrast high (at least 420 px).</returns>
    public static PlotlyChart Compression(CompressionData data, string? title = null) =>
        Contrasts(data, title ?? $"Compression methods against {data.Reference} pooling",
            $"Difference in test R² from {data.Reference} pooling (estimate, 95% simultaneous interval)", "compression");

    /// <summary>
    /// Any set of contrasts against one reference (methods, models) drawn as Figure 2 is: estimate
    /// and interval per row, best at the top, coloured by where the interval lies relative to 0.
    /// </summary>
    /// <param name="data">The contrasts and the reference's name.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="axisTitle">Title of the difference axis, with its unit.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart Contrasts(CompressionData data, string title, string axisTitle, string id = "contrasts")
    {
        var rows = data.Contrasts.Reverse().ToList();
        int height = Math.Max(440, 210 + 40 * rows.Count);
        var layout = FigureStyle.Layout(title, 900, height);
        int labelWidth = 20 + 8 * rows.Max(c => c.Contrast.Length);
        const int top = 70, bottom = 130;
        layout.margin = new Margin { l = Math.Max(110, labelWidth), r = 30, t = top, b = bottom };
        layout.showlegend = true;
        // Legend below the axis title, a fixed number of pixels under the plot whatever its height.
        layout.legend = new Legend { orientation = "h", x = 0, y = -85.0 / (height - top - bottom), yanchor = "top" };
        var x = FigureStyle.XAxis(axisTitle);
        // Always show 0 (the reference) with some room on both sides.
        double lo = Math.Min(0, rows.Min(c => c.ConfLow)), hi = Math.Max(0, rows.Max(c => c.ConfHigh));
        double pad = 0.08 * Math.Max(hi - lo, 1e-9);
        x.range = new[] { lo - pad, hi + pad };
        var y = FigureStyle.YAxis("");
        y.zeroline = false;
        y.showgrid = false;
        layout.SetAxes(0, x, y);
        layout.shapes = new[]
        {
            new Shape { type = "line", xref = "x", yref = "paper", x0 = 0, x1 = 0, y0 = 0, y1 = 1,
                line = new Line { color = "#555555", width = 1.5, dash = "dash" } },
        };

        var traces = new List<Scatter>();
        foreach (var (name, colour, pick) in new (string, string, Func<ContrastInterval, bool>)[]
        {
            ("worse than " + data.Reference + " (interval below 0)", "#c0392b", c => c.ConfHigh < 0),
            ("no clear difference (interval covers 0)", "#7f7f7f", c => c.ConfLow <= 0 && c.ConfHigh >= 0),
            ("better than " + data.Reference + " (interval above 0)", "#2166ac", c => c.ConfLow > 0),
        })
        {
            var part = rows.Where(pick).ToList();
            if (part.Count == 0) continue;
            traces.Add(new Scatter
            {
                name = name,
                mode = "markers",
                x = part.Select(c => c.Estimate).ToArray(),
                y = part.Select(c => (double)rows.IndexOf(c)).ToArray(),
                text = part.Select(c => $"{c.Contrast}: {c.Estimate:+0.000;-0.000} [{c.ConfLow:0.000}, {c.ConfHigh:0.000}]").ToArray(),
                hoverinfo = "text",
                marker = new Marker { color = colour, size = 10 },
                error_x = new Error_x
                {
                    type = "data", symmetric = false, visible = true, color = colour, thickness = 2, width = 6,
                    array = part.Select(c => c.ConfHigh - c.Estimate).ToArray(),
                    arrayminus = part.Select(c => c.Estimate - c.ConfLow).ToArray(),
                },
            });
        }
        // Rows sit at 0..n-1 with the methods as tick labels, so the order (best on top) does not
        // depend on which colour group a method falls in.
        y.tickvals = Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray();
        y.ticktext = rows.Select(c => c.Contrast).ToArray();
        y.range = new[] { -0.6, rows.Count - 0.4 };
        return Finish(Chart.Plot(traces, layout), id, 900, height);
    }

    /// <summary>
    /// Figure 3: test R² of every model on every dataset against its parameter count (log axis),
    /// one colour per family, with each model's median over datasets as a large marker joined
    /// within its family.
    /// </summary>
    /// <param name="data">Dataset-level scores and medians.</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static PlotlyChart ModelSize(ModelSizeData data, string? title = null)
    {
        const int width = 950, height = 600;
        var layout = FigureStyle.Layout(title ?? "Is bigger better? Transfer-learning R² against model size", width, height);
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        layout.margin = new Margin { l = 80, r = 200, t = 70, b = 70 };
        var x = FigureStyle.XAxis("Model parameters (log scale)", log: true);
        double minP = data.Medians.Min(m => m.Model.Parameters), maxP = data.Medians.Max(m => m.Model.Parameters);
        FigureStyle.ParameterTicks(x, minP / 1.8, maxP * 1.8);
        var folds = data.Scores.Select(s => s.Folds).Distinct().ToList();
        string foldText = folds.Count == 1 ? $"mean over {folds[0]} folds" : "mean over folds";
        layout.SetAxes(0, x, FigureStyle.YAxis($"Test R² per dataset ({foldText})"));

        // Spread each model's datasets sideways a little (multiplicatively, on the log axis) so
        // points do not sit on one another; the offset depends only on the dataset's rank.
        var datasets = data.Scores.Select(s => s.Dataset).Distinct().Order(StringComparer.Ordinal).ToList();
        var offset = datasets.Select((d, i) => (d, u: datasets.Count == 1 ? 0 : 2.0 * i / (datasets.Count - 1) - 1))
            .ToDictionary(t => t.d, t => Math.Pow(10, 0.05 * t.u));

        var traces = new List<Scatter>();
        foreach (var family in data.Medians.Select(m => m.Model.Family).Distinct())
        {
            string colour = FamilyPalette.FamilyColour(family);
            string label = ModelId.FamilyDisplayName(family);
            var points = data.Scores.Where(s => s.Model.Family == family).ToList();
            traces.Add(new Scatter
            {
                name = $"{label}: datasets",
                legendgroup = family,
                mode = "markers",
                x = points.Select(s => s.Model.Parameters * offset[s.Dataset]).ToArray(),
                y = points.Select(s => s.MeanR2).ToArray(),
                text = points.Select(s => $"{s.Model.Label} · {s.Dataset}: R² {s.MeanR2:0.000}").ToArray(),
                hoverinfo = "text",
                marker = new Marker { color = colour, size = 6, opacity = 0.35 },
            });
            var medians = data.Medians.Where(m => m.Model.Family == family).ToList();
            traces.Add(new Scatter
            {
                name = $"{label}: median",
                legendgroup = family,
                mode = medians.Count > 1 ? "lines+markers" : "markers",
                x = medians.Select(m => m.Model.Parameters).ToArray(),
                y = medians.Select(m => m.MedianR2).ToArray(),
                text = medians.Select(m => $"{m.Model.Label}: median R² {m.MedianR2:0.000} over {m.Datasets} datasets").ToArray(),
                hoverinfo = "text",
                line = new Line { color = colour, width = 2.5 },
                marker = new Marker { color = colour, size = 13, symbol = "diamond", line = new Line { color = "white", width = 1.5 } },
            });
        }
        return Finish(Chart.Plot(traces, layout), "model-size", width, height);
    }

    /// <summary>
    /// R² against dataset size (left) and protein length (right), both on log axes, one point per
    /// dataset coloured by measurement group, with the log-linear fits and their R².
    /// </summary>
    /// <param name="data">Per-dataset scores and fits.</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static PlotlyChart DatasetSize(DatasetSizeData data, string? title = null)
    {
        const int width = 1200, height = 560;
        var layout = FigureStyle.Layout(title ?? "When does size matter? R² against dataset size and protein length", width, height);
        layout.margin = new Margin { l = 80, r = 200, t = 90, b = 70 };
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        var panels = new (string Name, string Axis, Func<DatasetInfo, double> X, LogLinearFit Fit, string Unit)[]
        {
            ("Dataset size", "Dataset size (variants, log scale)", d => d.Size, data.SizeFit, "n"),
            ("Protein length", "Protein length (residues, log scale)", d => d.ProteinLength, data.LengthFit, "L"),
        };
        var groups = data.Points.Select(p => p.Info.Group).Distinct().Order(StringComparer.Ordinal).ToList();
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        for (int k = 0; k < panels.Length; k++)
        {
            var panel = panels[k];
            double x0 = k == 0 ? 0 : 0.55, x1 = k == 0 ? 0.45 : 1;
            var (xName, yName) = PanelLayout.AxisNames(k);
            var xa = FigureStyle.XAxis(panel.Axis, log: true);
            double min = data.Points.Min(p => panel.X(p.Info)), max = data.Points.Max(p => panel.X(p.Info));
            FigureStyle.CountTicks(xa, min / 1.3, max * 1.3);
            xa.domain = new[] { x0, x1 };
            xa.anchor = yName;
            var ya = FigureStyle.YAxis(k == 0 ? "Test R² (mean over models and folds)" : "");
            ya.anchor = xName;
            layout.SetAxes(k, xa, ya);
            annotations.Add(FigureStyle.PanelTitle(panel.Name, x0, x1));
            for (int g = 0; g < groups.Count; g++)
            {
                var points = data.Points.Where(p => p.Info.Group == groups[g]).ToList();
                traces.Add(new Scatter
                {
                    name = groups[g].Length == 0 ? "datasets" : groups[g],
                    legendgroup = groups[g],
                    showlegend = k == 0,
                    xaxis = xName,
                    yaxis = yName,
                    mode = "markers",
                    x = points.Select(p => panel.X(p.Info)).ToArray(),
                    y = points.Select(p => p.MeanR2).ToArray(),
                    text = points.Select(p => $"{p.Info.Dataset}: n = {p.Info.Size}, L = {p.Info.ProteinLength}, R² {p.MeanR2:0.000}").ToArray(),
                    hoverinfo = "text",
                    marker = new Marker { color = GroupColours[g % GroupColours.Length], size = 9, line = new Line { color = "white", width = 0.8 } },
                });
            }
            var fitX = Enumerable.Range(0, 41).Select(i => min * Math.Pow(max / min, i / 40.0)).ToArray();
            traces.Add(new Scatter
            {
                name = $"log-linear fits",
                legendgroup = "fit",
                showlegend = k == 0,
                xaxis = xName,
                yaxis = yName,
                mode = "lines",
                x = fitX,
                y = fitX.Select(panel.Fit.Predict).ToArray(),
                hoverinfo = "skip",
                line = new Line { color = "#222222", width = 2, dash = "dash" },
            });
            annotations.Add(new Annotation
            {
                text = string.Create(Inv, $"R² = {panel.Fit.Intercept:0.00} {(panel.Fit.Slope < 0 ? "−" : "+")} {Math.Abs(panel.Fit.Slope):0.000}·log10({panel.Unit})<br>fit R² = {panel.Fit.RSquared:0.00}, {panel.Fit.N} datasets"),
                xref = "paper", yref = "paper", x = x0 + 0.01, y = 0.02, xanchor = "left", yanchor = "bottom",
                showarrow = false, align = "left", bgcolor = "rgba(255,255,255,0.85)",
            });
        }
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), "dataset-size", width, height);
    }

    /// <summary>
    /// Learning curves (Figure 4A): mean test R² (± one standard deviation over folds) against the
    /// subsample size on a log axis (the size includes the test fold: each fold trained on about
    /// four fifths of it), one panel per dataset, one line per model in its family's shade.
    /// </summary>
    /// <param name="data">Curve points.</param>
    /// <param name="title">Figure title; null for the default.</param>
    /// <param name="minR2">Lower end of the R² axis: tiny subsamples give very negative R², which would squash the rest.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart LearningCurve(LearningCurveData data, string? title = null, double minR2 = -0.5, string id = "learning-curve")
    {
        double maxR2 = Math.Min(1.0, data.Points.Max(p => p.MeanR2 + p.StdR2) + 0.05);
        return Curves(data, title ?? "Learning curves: test R² against subsample size", "Test R² (mean ± SD over folds)", "R²",
            p => (p.MeanR2, p.StdR2), minR2, maxR2, id);
    }

    /// <summary>
    /// Figure 4B: the mean number of non-zero Lasso coefficients (± one SD over folds) against the
    /// subsample size, drawn as <see cref="LearningCurve"/>.
    /// </summary>
    /// <param name="data">Curve points with feature counts (<see cref="LearningCurveData.HasFeatureCounts"/>).</param>
    /// <param name="title">Figure title; null for the default.</param>
    /// <param name="id">HTML element id of the chart.</param>
    /// <exception cref="ArgumentException">The points have no feature counts.</exception>
    public static PlotlyChart Features(LearningCurveData data, string? title = null, string id = "features")
    {
        if (!data.HasFeatureCounts) throw new ArgumentException("the learning-curve table has no nun_zero_coefs column", nameof(data));
        double max = data.Points.Max(p => p.MeanNonZero + p.StdNonZero) * 1.05;
        // Counts are never cut: the axis reaches below 0 when a bar of one SD does.
        double min = Math.Min(0, data.Points.Min(p => p.MeanNonZero - p.StdNonZero) * 1.05);
        return Curves(data, title ?? "Features the Lasso keeps against subsample size", "Non-zero coefficients (mean ± SD over folds)", "features",
            p => (p.MeanNonZero, p.StdNonZero), min, max, id);
    }

    private static PlotlyChart Curves(LearningCurveData data, string title, string yTitle, string unit,
        Func<CurvePoint, (double Mean, double Sd)> measure, double minY, double maxY, string id)
    {
        var datasets = data.Datasets;
        int panelWidth = 420, width = 130 + 200 + panelWidth * datasets.Count, height = 600;
        var layout = FigureStyle.Layout(title, width, height);
        layout.margin = new Margin { l = 80, r = 200, t = 90, b = 100 };
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        var models = data.Points.Select(p => p.Model).Distinct().Order().ToList();
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        double gap = datasets.Count > 1 ? 0.06 : 0, span = (1 - gap * (datasets.Count - 1)) / datasets.Count;
        bool clipped = data.Points.Any(p => measure(p).Mean - measure(p).Sd < minY);
        for (int k = 0; k < datasets.Count; k++)
        {
            double x0 = k * (span + gap), x1 = x0 + span;
            var (xName, yName) = PanelLayout.AxisNames(k);
            var points = data.Points.Where(p => p.Dataset == datasets[k]).ToList();
            var xa = FigureStyle.XAxis("Subsample size, test fold included (variants, log scale)", log: true);
            FigureStyle.CountTicks(xa, points.Min(p => p.SampleSize) / 1.4, points.Max(p => p.SampleSize) * 1.4);
            xa.ticktext = ((double[])xa.tickvals).Select(FigureStyle.ParameterLabel).ToArray();
            xa.domain = new[] { x0, x1 };
            xa.anchor = yName;
            var ya = FigureStyle.YAxis(k == 0 ? yTitle : "");
            ya.anchor = xName;
            ya.range = new[] { minY, maxY };
            layout.SetAxes(k, xa, ya);
            annotations.Add(FigureStyle.PanelTitle(datasets[k], x0, x1));
            foreach (var model in models)
            {
                var curve = points.Where(p => p.Model == model).ToList();
                if (curve.Count == 0) continue;
                string colour = FamilyPalette.ModelColour(model, models);
                traces.Add(new Scatter
                {
                    name = model.Label,
                    legendgroup = model.Label,
                    showlegend = !traces.Any(t => t.legendgroup == model.Label),
                    xaxis = xName,
                    yaxis = yName,
                    mode = "lines+markers",
                    x = curve.Select(p => (double)p.SampleSize).ToArray(),
                    y = curve.Select(p => measure(p).Mean).ToArray(),
                    text = curve.Select(p => string.Create(Inv, $"{model.Label}, subsample {p.SampleSize}: {unit} {measure(p).Mean:0.000} ± {measure(p).Sd:0.000}")).ToArray(),
                    hoverinfo = "text",
                    line = new Line { color = colour, width = 2 },
                    marker = new Marker { color = colour, size = 6 },
                    error_y = new Error_y { type = "data", visible = true, color = colour, thickness = 1, width = 3,
                        array = curve.Select(p => measure(p).Sd).ToArray() },
                });
            }
        }
        if (clipped)
            annotations.Add(new Annotation
            {
                text = string.Create(Inv, $"{unit} axis cut at {minY}: the smallest subsamples score lower"),
                xref = "paper", yref = "paper", x = 0, y = -0.2, xanchor = "left", yanchor = "top", showarrow = false,
                font = new Font { size = 12, color = "#555555" },
            });
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), id, width, height);
    }

    /// <summary>
    /// The study's datasets at a glance: number of variants against protein length (both log
    /// axes), coloured by measurement group, with ESM-2's 1,022-residue window marked.
    /// </summary>
    /// <param name="datasets">The datasets (e.g. <see cref="StudyTables.Datasets"/>).</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static PlotlyChart DatasetOverview(IReadOnlyList<DatasetInfo> datasets, string? title = null)
    {
        const int width = 950, height = 560, window = 1022;
        var layout = FigureStyle.Layout(title ?? $"The study's {datasets.Count} DMS datasets: size and protein length", width, height);
        layout.margin = new Margin { l = 80, r = 200, t = 70, b = 70 };
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        var x = FigureStyle.XAxis("Protein length (residues, log scale)", log: true);
        double minL = datasets.Min(d => d.ProteinLength), maxL = Math.Max(window, datasets.Max(d => d.ProteinLength));
        FigureStyle.CountTicks(x, minL / 1.3, maxL * 1.3);
        var y = FigureStyle.YAxis("Dataset size (variants, log scale)");
        y.type = "log";
        y.zeroline = false;
        double minN = datasets.Min(d => d.Size), maxN = datasets.Max(d => d.Size);
        var yTicks = FigureStyle.CountTickValues(minN / 1.3, maxN * 1.3);
        y.tickvals = yTicks;
        y.ticktext = yTicks.Select(FigureStyle.ParameterLabel).ToArray();
        y.range = new[] { Math.Log10(minN / 1.3), Math.Log10(maxN * 1.3) };
        layout.SetAxes(0, x, y);
        layout.shapes = new[]
        {
            new Shape { type = "line", xref = "x", yref = "paper", x0 = window, x1 = window, y0 = 0, y1 = 1,
                line = new Line { color = "#888888", width = 1.5, dash = "dot" } },
        };
        layout.annotations = new[]
        {
            new Annotation { text = "ESM-2 window<br>(1,022 residues)", x = Math.Log10(window), y = 0.01, xref = "x", yref = "paper",
                xanchor = "right", yanchor = "bottom", showarrow = false, align = "right", font = new Font { size = 12, color = "#555555" } },
        };
        var groups = datasets.Select(d => d.Group).Distinct().Order(StringComparer.Ordinal).ToList();
        var traces = groups.Select((g, i) =>
        {
            var part = datasets.Where(d => d.Group == g).ToList();
            return new Scatter
            {
                name = g.Length == 0 ? "datasets" : g,
                mode = "markers",
                x = part.Select(d => (double)d.ProteinLength).ToArray(),
                y = part.Select(d => (double)d.Size).ToArray(),
                text = part.Select(d => $"{d.Dataset}: {d.Size} variants, {d.ProteinLength} residues").ToArray(),
                hoverinfo = "text",
                marker = new Marker { color = GroupColours[i % GroupColours.Length], size = 10, line = new Line { color = "white", width = 0.8 } },
            };
        }).ToList();
        return Finish(Chart.Plot(traces, layout), "datasets", width, height);
    }

    /// <summary>
    /// Supplementary Figure 5 as the study draws it (SWAT <c>plot_results_fineTune_lora.ipynb</c>):
    /// one panel per ESM-2 size (two columns, smallest model first), each dataset a point at
    /// (Lasso-on-embeddings test R², fine-tuning validation R²), the diagonal y = x dashed, both axes
    /// from 0 to 1 (extended below 0 when a score is negative, where the study's plot dropped the
    /// point). Each panel also states the mean paired difference with its interval and the
    /// datasets fine-tuning wins.
    /// </summary>
    /// <param name="data">The paired comparison.</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static PlotlyChart FineTune(Statistics.FineTuneComparison data, string? title = null)
    {
        var models = data.Models;
        int count = models.Count, columns = Math.Min(2, count), rows = (count + 1) / 2;
        const int panel = 340, left = 90, right = 40, top = 90, bottom = 80, gapPx = 90;
        int width = left + right + columns * panel + (columns - 1) * gapPx;
        int height = top + bottom + rows * panel + (rows - 1) * gapPx;
        var layout = FigureStyle.Layout(title ?? "Fine-tune or extract? LoRA fine-tuning against a Lasso on ESM-2 embeddings", width, height);
        layout.margin = new Margin { l = left, r = right, t = top, b = bottom };
        layout.showlegend = false;
        double plotW = width - left - right, plotH = height - top - bottom;
        double spanX = panel / plotW, gapX = gapPx / plotW, spanY = panel / plotH, gapY = gapPx / plotH;
        double lo = Math.Min(0, data.Pairs.Min(p => Math.Min(p.FineTuneR2, p.LassoR2)));
        if (lo < 0) lo -= 0.03;
        double hi = Math.Max(1, data.Pairs.Max(p => Math.Max(p.FineTuneR2, p.LassoR2)));
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        var shapes = new List<Shape>();
        for (int k = 0; k < count; k++)
        {
            var model = models[k];
            int row = k / 2, column = k % 2;
            double x0 = column * (spanX + gapX), x1 = x0 + spanX;
            double y1 = 1 - row * (spanY + gapY), y0 = y1 - spanY;
            var (xName, yName) = PanelLayout.AxisNames(k);
            var xa = FigureStyle.XAxis(k + columns >= count ? "Feature extraction R² (Lasso on embeddings)" : "");
            xa.domain = new[] { x0, x1 };
            xa.anchor = yName;
            xa.range = new[] { lo, hi };
            var ya = FigureStyle.YAxis(column == 0 ? "Fine-tune R² (LoRA)" : "");
            ya.domain = new[] { Math.Max(0, y0), Math.Min(1, y1) };
            ya.anchor = xName;
            ya.range = new[] { lo, hi };
            layout.SetAxes(k, xa, ya);
            annotations.Add(new Annotation
            {
                text = $"<b>ESM-2 {System.Net.WebUtility.HtmlEncode(model.ModelSize)}</b>",
                x = (x0 + x1) / 2, y = Math.Min(1, y1), xref = "paper", yref = "paper",
                xanchor = "center", yanchor = "bottom", showarrow = false,
            });
            annotations.Add(new Annotation
            {
                text = string.Create(Inv, $"Δ = {model.MeanDifference:+0.000;−0.000} [{model.ConfLow:0.000}, {model.ConfHigh:0.000}]<br>fine-tuning wins {model.Wins}/{model.Datasets}"),
                x = x0 + 0.02 * spanX, y = Math.Min(1, y1) - 0.01, xref = "paper", yref = "paper",
                xanchor = "left", yanchor = "top", showarrow = false, align = "left",
                font = new Font { size = 12, color = "#333333" }, bgcolor = "rgba(255,255,255,0.85)",
            });
            shapes.Add(new Shape { type = "line", xref = xName, yref = yName, x0 = lo, y0 = lo, x1 = hi, y1 = hi,
                line = new Line { color = "#0072B2", width = 1.5, dash = "dash" } });
            var points = data.Pairs.Where(p => p.ModelSize == model.ModelSize).ToList();
            traces.Add(new Scatter
            {
                name = $"ESM-2 {model.ModelSize}",
                xaxis = xName,
                yaxis = yName,
                mode = "markers",
                x = points.Select(p => p.LassoR2).ToArray(),
                y = points.Select(p => p.FineTuneR2).ToArray(),
                text = points.Select(p => string.Create(Inv, $"{p.Dataset}: fine-tune {p.FineTuneR2:0.000}, Lasso {p.LassoR2:0.000} (Δ {p.Difference:+0.000;−0.000})")).ToArray(),
                hoverinfo = "text",
                marker = new Marker { color = "#222222", size = 7, opacity = 0.85 },
            });
        }
        layout.shapes = shapes;
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), "fine-tune", width, height);
    }

    private static PlotlyChart Finish(PlotlyChart chart, string id, int width, int height)
    {
        chart.Id = id;
        chart.Width = width;
        chart.Height = height;
        return chart;
    }

    // Okabe-Ito colours (colour-blind safe) for measurement groups; families keep their own palette.
    private static readonly string[] GroupColours =
        ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
}
