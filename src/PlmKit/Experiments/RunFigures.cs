using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Experiments;

/// <summary>The <c>figures</c> block of an experiment file.</summary>
/// <param name="Kinds">Figure kinds to draw (<c>compression</c>, <c>model-size</c>, <c>learning-curve</c>); null = every kind the grid supports (see <see cref="RunFigures.Plan"/>).</param>
/// <param name="Png">Also render PNGs: true (default) renders them when Chromium is found and otherwise writes HTML only with a note; false never renders them.</param>
public sealed record FiguresSpec(IReadOnlyList<string>? Kinds = null, bool Png = true);

/// <summary>A figure file written by a run, for the manifest.</summary>
/// <param name="File">Path relative to the run's output folder (e.g. <c>figures/compression.html</c>).</param>
/// <param name="Sha256">SHA-256 of the file's bytes, lower-case hex.</param>
public sealed record FigureFile(string File, string Sha256);

/// <summary>What <see cref="RunFigures.Draw"/> did.</summary>
/// <param name="Files">Every file in <c>figures/</c> (HTML, PNG, numbers CSV), in drawing order.</param>
/// <param name="Reused">True when results and statistics were unchanged and the previous files were kept.</param>
/// <param name="Note">One line to show the user (e.g. PNGs skipped without Chromium), or null.</param>
public sealed record RunFiguresReport(IReadOnlyList<FigureFile> Files, bool Reused, string? Note);

/// <summary>
/// The figures of an experiment run, drawn from its results table (and for <c>compression</c> from
/// the statistics' contrasts table, so the figure shows exactly the numbers of <c>stats_contrasts.csv</c>)
/// by the same code as <c>plmkit figures</c> (<see cref="StudyFigure"/>, <see cref="FigureExport"/>).
/// </summary>
public static class RunFigures
{
    /// <summary>Folder of the figures inside the run's output folder.</summary>
    public const string Folder = "figures";

    /// <summary>Stamp file in <see cref="Folder"/> recording the inputs and files of the last drawing.</summary>
    public const string StampFile = "figures.json";

    /// <summary>
    /// The figures a run of <paramref name="config"/> draws, checked before any work starts.
    /// Without a <c>figures</c> block: <c>compression</c> when the statistics' effect is
    /// <c>Compression_method</c>; <c>model-size</c> when ≥ 2 models name their size (e.g.
    /// <c>esm2_t6_8M_UR50D</c>); <c>learning-curve</c> when <c>trainSizes</c> are given and every
    /// model names its size. With a block, every listed kind must be one of those the grid supports.
    /// </summary>
    /// <param name="config">The experiment.</param>
    /// <param name="source">The experiment file, for messages.</param>
    /// <exception cref="InputException">An unknown kind, a kind listed twice, or a kind the grid cannot support (the message says why).</exception>
    public static IReadOnlyList<FigureKind> Plan(ExperimentConfig config, string source)
    {
        var supported = new Dictionary<FigureKind, string?>
        {
            [FigureKind.Compression] = config.Statistics?.Effect == "Compression_method"
                ? null : "it needs a 'statistics' block whose effect is Compression_method (the figure shows its contrasts)",
            [FigureKind.ModelSize] = SizedModels(config) >= 2
                ? null : "it needs at least 2 models whose names give their size (e.g. esm2_t6_8M_UR50D, esm2_t12_35M_UR50D)",
            [FigureKind.LearningCurve] = config.TrainSizes.Count == 0
                ? "it needs 'trainSizes'"
                : SizedModels(config) == config.Models.Count ? null : "every model's name must give its size (e.g. esm2_t6_8M_UR50D)",
            [FigureKind.DatasetSize] = "results.csv has no dataset_size/prot_length columns; draw it with plmkit figures from a table that has them",
            [FigureKind.FineTune] = "it compares a fine-tuning table with a Lasso table; plmkit reproduce draws it from the study's",
            [FigureKind.MethodScatter] = "it is a supplementary figure of the study's compression table; draw it with plmkit figures from a table with Compression_method",
            [FigureKind.LongAssays] = "it shows the study's four long-protein assays; plmkit reproduce draws it from the study's table",
            [FigureKind.ModelFits] = "results.csv has no dataset_size/prot_length columns; draw it with plmkit figures from a table that has them",
            [FigureKind.SizeHistogram] = "results.csv has no dataset_size column; draw it with plmkit figures from a table that has it",
            [FigureKind.Features] = "results.csv has no nun_zero_coefs column; draw it with plmkit figures from the study's sampling table",
        };
        if (config.Figures?.Kinds is not { } kinds)
            return [.. supported.Where(kv => kv.Value is null).Select(kv => kv.Key).Order()];
        var plan = new List<FigureKind>();
        foreach (var name in kinds)
        {
            FigureKind kind;
            try
            {
                kind = StudyFigure.ParseKind(name);
            }
            catch (ConfigurationException e)
            {
                throw new InputException(source, null, $"'figures': {e.Message}");
            }
            if (plan.Contains(kind))
                throw new InputException(source, null, $"'figures' lists {StudyFigure.KindName(kind)} twice");
            if (supported[kind] is { } why)
                throw new InputException(source, null, $"'figures': this grid cannot draw {StudyFigure.KindName(kind)}: {why}");
            plan.Add(kind);
        }
        return plan;
    }

    /// <summary>
    /// Draws <paramref name="kinds"/> into <c><paramref name="outDir"/>/figures/</c>. When the inputs
    /// (results, contrasts, kinds, PNG choice) are those of the last drawing and its files are intact,
    /// nothing is redrawn: a cached re-run costs a few hashes.
    /// </summary>
    /// <param name="kinds">From <see cref="Plan"/>.</param>
    /// <param name="outDir">The run's output folder.</param>
    /// <param name="resultsPath">The run's results.csv.</param>
    /// <param name="contrastsPath">The statistics' contrasts CSV (needed for compression).</param>
    /// <param name="reference">The statistics' reference level (the compression figure's baseline).</param>
    /// <param name="png">Render PNGs when Chromium is found.</param>
    /// <param name="plotlyJs">Text of plotly.min.js, or null to read the local copy.</param>
    /// <exception cref="ConfigurationException">plotly.js missing.</exception>
    /// <exception cref="InputException">The tables lack what a figure needs.</exception>
    /// <exception cref="ArgumentException">Compression asked for without <paramref name="contrastsPath"/> and <paramref name="reference"/>.</exception>
    public static RunFiguresReport Draw(IReadOnlyList<FigureKind> kinds, string outDir, string resultsPath,
        string? contrastsPath, string? reference, bool png, string? plotlyJs = null)
    {
        string? note = null;
        if (png)
        {
            try
            {
                FigureExport.LocateChromium();
            }
            catch (ConfigurationException e)
            {
                // As `plmkit figures --no-png`: HTML and numbers only; the reason is one note line.
                png = false;
                note = $"figures written as HTML only: {e.Message}";
            }
        }
        string folder = Path.Combine(outDir, Folder);
        string inputs = Sha256Hex(Encoding.UTF8.GetBytes(string.Join("\n",
            FileHash.Sha256(resultsPath), contrastsPath is null ? "" : FileHash.Sha256(contrastsPath), reference ?? "",
            string.Join(",", kinds.Select(StudyFigure.KindName)), png ? "png" : "html")));
        if (Previous(folder, inputs) is { } kept)
            return new RunFiguresReport(kept, true, note);

        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        var results = TidyTable.Read(resultsPath);
        plotlyJs ??= PlotlyJs.Read();
        var files = new List<FigureFile>();
        foreach (var kind in kinds)
        {
            var figure = kind == FigureKind.Compression
                ? StudyFigure.Of(CompressionData.FromContrastTable(
                    TidyTable.Read(contrastsPath ?? throw new ArgumentException("the compression figure needs the contrasts table", nameof(contrastsPath))),
                    reference ?? throw new ArgumentException("the compression figure needs the reference level", nameof(reference))))
                : StudyFigure.FromTable(kind, results);
            foreach (var path in FigureExport.WriteAll(figure, folder, png, plotlyJs))
                files.Add(new FigureFile(Folder + "/" + Path.GetFileName(path), FileHash.Sha256(path)));
        }
        var stamp = new Stamp(inputs, files);
        AtomicFile.WriteAllText(Path.Combine(folder, StampFile), JsonSerializer.Serialize(stamp, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new RunFiguresReport(files, false, note);
    }

    /// <summary>The files of the last drawing when it had the same inputs and every file still has its hash; otherwise null.</summary>
    private static IReadOnlyList<FigureFile>? Previous(string folder, string inputs)
    {
        string path = Path.Combine(folder, StampFile);
        if (!File.Exists(path))
            return null;
        Stamp? stamp;
        try
        {
            stamp = JsonSerializer.Deserialize<Stamp>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
        if (stamp is null || stamp.Inputs != inputs)
            return null;
        string outDir = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        foreach (var f in stamp.Files)
        {
            string file = Path.Combine(outDir, f.File);
            if (!File.Exists(file) || FileHash.Sha256(file) != f.Sha256)
                return null;
        }
        return stamp.Files;
    }

    private sealed record Stamp(string Inputs, IReadOnlyList<FigureFile> Files);

    /// <summary>
    /// Models whose results name (the <c>Model</c> column: a zoo name, a folder's name, a file's name
    /// without extension, as the loader names them) gives their size, e.g. <c>esm2_t6_8M_UR50D</c>.
    /// </summary>
    private static int SizedModels(ExperimentConfig config) =>
        config.Models.Select(m => Directory.Exists(m) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(m)))
                : File.Exists(m) ? Path.GetFileNameWithoutExtension(m) : m)
            .Count(name => ModelId.TryParse(name) is not null);


    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
