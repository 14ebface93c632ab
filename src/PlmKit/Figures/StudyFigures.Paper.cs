using XPlot.Plotly;

namespace PlmKit.Figures;

public static partial class StudyFigures
{
    /// <summary>
    /// Supplementary Figures 1 and 2: one panel per compression method, each dataset a point at
    /// (reference R², method R²), the diagonal y = x dashed; both axes 0 to 1 as in the study
    /// (extended below 0 when a mean is negative). Panels run from the method closest to the
    /// reference; each states on how many datasets the method falls below it.
    /// </summary>
    /// <param name="data">Per-dataset means and per-method summaries.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart MethodScatter(MethodScatterData data, string title, string id = "method-scatter")
    {
        double lo = Math.Min(0, data.Points.Min(p => Math.Min(p.MethodR2, p.ReferenceR2)));
        if (lo < 0) lo -= 0.03;
        double hi = Math.Max(1, data.Points.Max(p => Math.Max(p.MethodR2, p.ReferenceR2)));
        var grid = new PanelGrid(data.Summaries.Count, columns: 3, panel: 260, gap: 110);
        var layout = FigureStyle.Layout(title, grid.Width, grid.Height);
        layout.margin = grid.Margin;
        layout.showlegend = false;
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        var shapes = new List<Shape>();
        for (int k = 0; k < data.Summaries.Count; k++)
        {
            var summary = data.Summaries[k];
            var (xName, yName) = grid.SetAxes(layout, k, $"{data.Reference} pooling R²", "R²", lo, hi, lo, hi);
            annotations.Add(grid.Title(k, summary.Method));
            annotations.Add(grid.Note(k, $"below {data.Reference}: {summary.Below}/{summary.Datasets}"));
            shapes.Add(new Shape { type = "line", xref = xName, yref = yName, x0 = lo, y0 = lo, x1 = hi, y1 = hi,
                line = new Line { color = "#0072B2", width = 1.5, dash = "dash" } });
            var points = data.Points.Where(p => p.Method == summary.Method).ToList();
            traces.Add(new Scatter
            {
                name = summary.Method,
                xaxis = xName,
                yaxis = yName,
                mode = "markers",
                x = points.Select(p => p.ReferenceR2).ToArray(),
                y = points.Select(p => p.MethodR2).ToArray(),
                text = points.Select(p => string.Create(Inv, $"{p.Dataset}: {p.Method} {p.MethodR2:0.000}, {data.Reference} {p.ReferenceR2:0.000}")).ToArray(),
                hoverinfo = "text",
                marker = new Marker { color = "#222222", size = 6, opacity = 0.85 },
            });
        }
        layout.shapes = shapes;
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), id, grid.Width, grid.Height);
    }

    /// <summary>
    /// Supplementary Figure 3: test R² (mean ± SD over folds) of each long-protein assay against
    /// model size (log axis), one panel per model family, one line per assay.
    /// </summary>
    /// <param name="data">Per (assay, model) summaries.</param>
    /// <param name="title">Figure title; null for the default.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart LongAssays(LongAssayData data, string? title = null, string id = "long-assays")
    {
        var families = data.Scores.Select(s => s.Model).Distinct().Order().Select(m => m.Family).Distinct().ToList();
        var assays = data.Scores.Select(s => s.Dataset).Distinct().Order(StringComparer.Ordinal).ToList();
        double minP = data.Scores.Min(s => s.Model.Parameters) / 1.8, maxP = data.Scores.Max(s => s.Model.Parameters) * 1.8;
        double lo = Math.Min(0, data.Scores.Min(s => s.MeanR2 - s.StdR2)) - 0.02, hi = data.Scores.Max(s => s.MeanR2 + s.StdR2) + 0.05;
        var grid = new PanelGrid(families.Count, columns: families.Count, panel: 330, gap: 60, right: 230);
        var layout = FigureStyle.Layout(title ?? "The four long-protein assays: R² against model size", grid.Width, grid.Height);
        layout.margin = grid.Margin;
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        for (int k = 0; k < families.Count; k++)
        {
            var (xName, yName) = grid.SetAxes(layout, k, "Model parameters (log scale)", "Test R² (mean ± SD over folds)", minP, maxP, lo, hi, logX: true);
            annotations.Add(grid.Title(k, ModelId.FamilyDisplayName(families[k])));
            for (int a = 0; a < assays.Count; a++)
            {
                var line = data.Scores.Where(s => s.Dataset == assays[a] && s.Model.Family == families[k]).OrderBy(s => s.Model.Parameters).ToList();
                if (line.Count == 0) continue;
                string colour = GroupColours[a % GroupColours.Length];
                traces.Add(new Scatter
                {
                    name = assays[a],
                    legendgroup = assays[a],
                    showlegend = !traces.Any(t => t.legendgroup == assays[a]),
                    xaxis = xName,
                    yaxis = yName,
                    mode = "lines+markers",
                    x = line.Select(s => s.Model.Parameters).ToArray(),
                    y = line.Select(s => s.MeanR2).ToArray(),
                    text = line.Select(s => string.Create(Inv, $"{s.Model.Label} · {s.Dataset}: R² {s.MeanR2:0.000} ± {s.StdR2:0.000}")).ToArray(),
                    hoverinfo = "text",
                    line = new Line { color = colour, width = 2 },
                    marker = new Marker { color = colour, size = 7 },
                    error_y = new Error_y { type = "data", visible = true, color = colour, thickness = 1, width = 3, array = line.Select(s => s.StdR2).ToArray() },
                });
            }
        }
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), id, grid.Width, grid.Height);
    }

    /// <summary>
    /// Figure 5 and Supplementary Figures 6–9: for each model a column of two panels, R² (mean ±
    /// SD over folds) against dataset size (top) and protein length (bottom), log axes, points
    /// coloured by measurement group, the model's log-linear fit dashed with its R².
    /// </summary>
    /// <param name="data">Per-model points and fits.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart ModelFits(ModelFitData data, string title, string id = "model-fits")
    {
        var models = data.Models;
        var grid = new PanelGrid(2 * models.Count, columns: models.Count, panel: 320, gap: 90, right: 200);
        var layout = FigureStyle.Layout(title, grid.Width, grid.Height);
        layout.margin = grid.Margin;
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        var groups = data.Points.Select(p => p.Info.Group).Distinct().Order(StringComparer.Ordinal).ToList();
        double lo = Math.Min(0, data.Points.Min(p => p.Score.MeanR2 - p.Score.StdR2)) - 0.02;
        double hi = Math.Min(1.05, data.Points.Max(p => p.Score.MeanR2 + p.Score.StdR2) + 0.05);
        var traces = new List<Scatter>();
        var annotations = new List<Annotation>();
        var predictors = new (string Axis, Func<DatasetInfo, double> X, Func<ModelFit, LogLinearFit> Fit, string Unit)[]
        {
            ("Dataset size (variants, log scale)", d => d.Size, f => f.Size, "n"),
            ("Protein length (residues, log scale)", d => d.ProteinLength, f => f.Length, "L"),
        };
        for (int m = 0; m < models.Count; m++)
        {
            var fit = data.Fits[m];
            var points = data.Points.Where(p => p.Score.Model == models[m]).ToList();
            for (int row = 0; row < 2; row++)
            {
                int k = row * models.Count + m;
                var predictor = predictors[row];
                double min = points.Min(p => predictor.X(p.Info)), max = points.Max(p => predictor.X(p.Info));
                var (xName, yName) = grid.SetAxes(layout, k, predictor.Axis, m == 0 ? "Test R² (mean ± SD over folds)" : "",
                    min / 1.3, max * 1.3, lo, hi, logX: true, countTicks: true);
                if (row == 0) annotations.Add(grid.Title(k, models[m].Label));
                var line = predictor.Fit(fit);
                annotations.Add(grid.Note(k, string.Create(Inv,
                    $"fit R² = {line.RSquared:0.000}<br>slope {line.Slope:+0.000;−0.000} per tenfold {predictor.Unit}, {line.N} datasets")));
                for (int g = 0; g < groups.Count; g++)
                {
                    var part = points.Where(p => p.Info.Group == groups[g]).ToList();
                    if (part.Count == 0) continue;
                    traces.Add(new Scatter
                    {
                        name = groups[g].Length == 0 ? "datasets" : groups[g],
                        legendgroup = groups[g],
                        showlegend = !traces.Any(t => t.legendgroup == groups[g]),
                        xaxis = xName,
                        yaxis = yName,
                        mode = "markers",
                        x = part.Select(p => predictor.X(p.Info)).ToArray(),
                        y = part.Select(p => p.Score.MeanR2).ToArray(),
                        text = part.Select(p => string.Create(Inv, $"{p.Info.Dataset}: n = {p.Info.Size}, L = {p.Info.ProteinLength}, R² {p.Score.MeanR2:0.000} ± {p.Score.StdR2:0.000}")).ToArray(),
                        hoverinfo = "text",
                        marker = new Marker { color = GroupColours[g % GroupColours.Length], size = 8, line = new Line { color = "white", width = 0.8 } },
                        error_y = new Error_y { type = "data", visible = true, color = GroupColours[g % GroupColours.Length], thickness = 1, width = 2,
                            array = part.Select(p => p.Score.StdR2).ToArray() },
                    });
                }
                var fitX = Enumerable.Range(0, 41).Select(i => min * Math.Pow(max / min, i / 40.0)).ToArray();
                traces.Add(new Scatter
                {
                    name = "log-linear fit",
                    legendgroup = "fit",
                    showlegend = !traces.Any(t => t.legendgroup == "fit"),
                    xaxis = xName,
                    yaxis = yName,
                    mode = "lines",
                    x = fitX,
                    y = fitX.Select(line.Predict).ToArray(),
                    hoverinfo = "skip",
                    line = new Line { color = "#222222", width = 2, dash = "dash" },
                });
            }
        }
        layout.annotations = annotations;
        return Finish(Chart.Plot(traces, layout), id, grid.Width, grid.Height);
    }

    /// <summary>
    /// The histogram of DMS dataset sizes as SWAT bins them: number of datasets per size bin.
    /// </summary>
    /// <param name="data">The bins.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="id">HTML element id of the chart.</param>
    public static PlotlyChart SizeHistogram(DatasetSizeHistogram data, string title, string id = "size-histogram")
    {
        const int width = 760, height = 480;
        var layout = FigureStyle.Layout(title, width, height);
        layout.showlegend = false;
        var y = FigureStyle.YAxis("Number of datasets");
        y.range = new[] { 0.0, data.Bins.Max(b => b.Datasets.Count) + 1.0 };
        var x = FigureStyle.XAxis("Number of variants (samples) per dataset");
        x.type = "category";   // the bins are labels, in the order given
        layout.SetAxes(0, x, y);
        var bars = new Bar
        {
            x = data.Bins.Select(b => b.Label).ToArray(),
            y = data.Bins.Select(b => b.Datasets.Count).ToArray(),
            // No per-bar text: XPlot's Bar cannot keep it out of the bars, where it is unreadable; the
            // datasets of each bin are in the figure's _datasets table.
            hoverinfo = "x+y",
            marker = new Marker { color = "#9a9a9a", line = new Line { color = "#555555", width = 1 } },
        };
        return Finish(Chart.Plot(bars, layout), id, width, height);
    }

    /// <summary>
    /// Square panels in a grid of fixed pixel sizes: the page grows with the panel count, so every
    /// panel keeps its size whatever the number of methods or models.
    /// </summary>
    private sealed class PanelGrid
    {
        private const int Left = 90, Top = 90, Bottom = 80;
        private readonly int _columns, _rows, _panel, _gap, _right;

        public PanelGrid(int count, int columns, int panel, int gap, int right = 40)
        {
            _columns = Math.Max(1, Math.Min(columns, count));
            _rows = (count + _columns - 1) / _columns;
            _panel = panel;
            _gap = gap;
            _right = right;
        }

        public int Width => Left + _right + _columns * _panel + (_columns - 1) * _gap;

        public int Height => Top + Bottom + _rows * _panel + (_rows - 1) * _gap;

        public Margin Margin => new() { l = Left, r = _right, t = Top, b = Bottom };

        private (double X0, double X1, double Y0, double Y1) Cell(int k)
        {
            double plotW = Width - Left - _right, plotH = Height - Top - Bottom;
            int row = k / _columns, column = k % _columns;
            double x0 = column * (_panel + _gap) / plotW, y1 = 1 - row * (_panel + _gap) / plotH;
            return (x0, Math.Min(1, x0 + _panel / plotW), Math.Max(0, y1 - _panel / plotH), Math.Min(1, y1));
        }

        public (string X, string Y) SetAxes(PanelLayout layout, int k, string xTitle, string yTitle,
            double xMin, double xMax, double yMin, double yMax, bool logX = false, bool countTicks = false)
        {
            var (x0, x1, y0, y1) = Cell(k);
            var (xName, yName) = PanelLayout.AxisNames(k);
            var xa = FigureStyle.XAxis(xTitle, log: logX);
            if (countTicks) FigureStyle.CountTicks(xa, xMin, xMax);
            else if (logX) FigureStyle.ParameterTicks(xa, xMin, xMax);
            else xa.range = new[] { xMin, xMax };
            xa.domain = new[] { x0, x1 };
            xa.anchor = yName;
            var ya = FigureStyle.YAxis(k % _columns == 0 ? yTitle : "");
            ya.domain = new[] { y0, y1 };
            ya.anchor = xName;
            ya.range = new[] { yMin, yMax };
            layout.SetAxes(k, xa, ya);
            return (xName, yName);
        }

        public Annotation Title(int k, string text)
        {
            var (x0, x1, _, y1) = Cell(k);
            return new Annotation
            {
                text = $"<b>{System.Net.WebUtility.HtmlEncode(text)}</b>",
                x = (x0 + x1) / 2, y = y1, xref = "paper", yref = "paper", xanchor = "center", yanchor = "bottom", showarrow = false,
            };
        }

        public Annotation Note(int k, string text)
        {
            var (x0, x1, _, y1) = Cell(k);
            return new Annotation
            {
                text = text, x = x0 + 0.02 * (x1 - x0), y = y1 - 0.005, xref = "paper", yref = "paper",
                xanchor = "left", yanchor = "top", showarrow = false, align = "left",
                font = new Font { size = 11, color = "#333333" }, bgcolor = "rgba(255,255,255,0.85)",
            };
        }
    }
}
