using System.CommandLine;
using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit figures --input CSV --kind K --out DIR</c>: draws one of the study's figures from a
/// tidy table into a self-contained HTML page, a PNG and the CSV of the numbers drawn.
/// </summary>
internal static class FiguresCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Tidy CSV: a contrasts table (compression), a results table (model-size, dataset-size) or a sampling table (learning-curve).", Required = true };
        var kind = new Option<string>("--kind") { Description = "compression | model-size | dataset-size | learning-curve | method-scatter | long-assays | model-fits | features | size-histogram", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for KIND.html, KIND.png and the CSVs of the numbers drawn.", Required = true };
        var noPng = new Option<bool>("--no-png") { Description = "Write the HTML and CSVs only (no Chromium needed)." };
        var command = new Command("figures", "Draw one of the study's figures (HTML that opens offline, PNG, and its numbers as CSV).")
        {
            input, kind, output, noPng,
        };
        command.SetAction(parse =>
        {
            var figureKind = StudyFigure.ParseKind(parse.GetValue(kind)!);
            var figure = StudyFigure.FromTable(figureKind, TidyTable.Read(parse.GetValue(input)!));
            foreach (var file in FigureExport.WriteAll(figure, parse.GetValue(output)!, png: !parse.GetValue(noPng)))
                parse.InvocationConfiguration.Output.WriteLine(file);
            return 0;
        });
        return command;
    }
}
