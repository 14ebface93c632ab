using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using PlmKit.Data;
using PlmKit.Figures;
using PlmKit.Statistics;
using XPlot.Plotly;

namespace PlmKit.Interactive;

/// <summary>
/// PlmKit's notebook formatters: charts (<see cref="NotebookDisplay.WriteChart"/>), tables
/// (<see cref="DataFrame"/>, <see cref="TidyTable"/>: columns with 4 significant digits), mixed-model
/// fits (lme4's <c>summary</c>, <see cref="RSummaries.Fit"/>) and contrasts (multcomp's
/// <c>summary(glht)</c>, <see cref="RSummaries.Contrasts"/>) and <see cref="BulletList"/>s.
/// </summary>
public static class NotebookFormatters
{
    /// <summary>Registers every formatter with .NET Interactive's <see cref="Formatter"/> (the latest registration wins).</summary>
    public static void Register()
    {
        Formatter.Register<PlotlyChart>(NotebookDisplay.WriteChart, HtmlFormatter.MimeType);
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(TableHtml.Write(frame)), HtmlFormatter.MimeType);
        Formatter.Register<TidyTable>((table, writer) => writer.Write(TableHtml.Write(table.ToDataFrame())), HtmlFormatter.MimeType);
        Formatter.Register<MixedModelFit>((fit, writer) => writer.Write(Pre(RSummaries.Fit(fit))), HtmlFormatter.MimeType);
        Formatter.Register<MixedModelFit>((fit, writer) => writer.Write(RSummaries.Fit(fit)), PlainTextFormatter.MimeType);
        Formatter.Register<ContrastTable>((table, writer) => writer.Write(Pre(RSummaries.Contrasts(table))), HtmlFormatter.MimeType);
        Formatter.Register<ContrastTable>((table, writer) => writer.Write(RSummaries.Contrasts(table)), PlainTextFormatter.MimeType);
        Formatter.Register<BulletList>((list, writer) => writer.Write(list.ToHtml()), HtmlFormatter.MimeType);
        Formatter.Register<BulletList>((list, writer) => writer.Write(list.ToString()), PlainTextFormatter.MimeType);
    }

    private static string Pre(string text) => "<pre style=\"font-size:smaller\">" + System.Net.WebUtility.HtmlEncode(text) + "</pre>";
}
