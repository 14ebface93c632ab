using System.CommandLine;
using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit reproduce --out DIR</c>: the study's statistics and figures from its published
/// tables into one folder (index.html, tables/, figures/, headline-numbers.csv, manifest.json).
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder (tables/, figures/, manifest.json).", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = $"Folder holding the study's tables (as ../shared/data/swat); default ${DataCatalog.DataDirVariable}, else the download cache, else download." };
        var offline = new Option<bool>("--offline") { Description = "Never download: use --data-dir, $" + DataCatalog.DataDirVariable + " or the cache." };
        var noPng = new Option<bool>("--no-png") { Description = "HTML figures only (no Chromium needed)." };
        var margin = new Option<double>("--margin") { Description = "Equivalence margin in R² for the smallest model within it of the best.", DefaultValueFactory = _ => 0.02 };
        var notebooks = new Option<string?>("--notebooks") { Description = "Folder of notebooks rendered to HTML: copied into notebooks/ and linked from index.html." };
        var render = new Option<bool>("--render-notebooks")
        {
            Description = "Also run the repository's notebooks in the Jupyter kernel (notebooks/render.py) and put them, rendered to HTML, into notebooks/ (needs setup.sh's kernel; minutes).",
        };
        var only = new Option<string[]>("--figure") { Description = "Write only this figure (repeatable; ids as in docs/figures-and-notebooks.md); tables are always written.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("reproduce", "Reproduce the paper's figures (2–5, Supplementary 1–3, 5–9) and statistics from the study's tables, plus PlmKit's labelled additions, into one folder with an index.html gallery.")
        {
            output, dataDir, offline, noPng, margin, notebooks, render, only,
        };
        command.SetAction(parse =>
        {
            var catalogOptions = new DataCatalogOptions { AllowDownload = !parse.GetValue(offline) };
            if (parse.GetValue(dataDir) is { Length: > 0 } dir)
            {
                if (!Directory.Exists(dir)) throw new ConfigurationException($"--data-dir '{dir}' does not exist");
                catalogOptions = catalogOptions with { OverrideDirectory = dir };
            }
            var stdout = parse.InvocationConfiguration.Output;
            string? toRender = null;
            if (parse.GetValue(render))
                toRender = NotebookRendering.FindNotebooks(Directory.GetCurrentDirectory()) ?? NotebookRendering.FindNotebooks(AppContext.BaseDirectory)
                    ?? throw new ConfigurationException("--render-notebooks: no notebooks/render.py in this folder, above it, or above plmkit itself; run from a PlmKit checkout");
            var result = StudyReproduction.Run(
                new ReproductionOptions(parse.GetValue(output)!, DataCatalog.Load(catalogOptions), !parse.GetValue(noPng), parse.GetValue(margin),
                    parse.GetValue(notebooks), parse.GetValue(only) is { Length: > 0 } ids ? ids : null, toRender), stdout);
            stdout.WriteLine($"wrote {result.Figures.Count} figures, {result.Files.Count} files to {Path.GetFullPath(parse.GetValue(output)!)} (open index.html; see manifest.json)");
            return 0;
        });
        return command;
    }
}
