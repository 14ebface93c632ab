using System.Text.RegularExpressions;
using PlmKit.Figures;
using XPlot.Plotly;

namespace PlmKit.Tests.Notebooks;

public class NotebookDisplayTests
{
    private static PlotlyChart Chart()
    {
        var chart = StudyFigures.Compression(CompressionData.From([new ContrastInterval("bos", -0.1, -0.2, -0.05)], "mean"));
        chart.WithId("contrasts");   // a fixed id, as a figure may set
        return chart;
    }

    private static string Write(PlotlyChart chart)
    {
        var writer = new StringWriter();
        NotebookDisplay.WriteChart(chart, writer);
        return writer.ToString();
    }

    [Fact]
    public void Plotly_script_puts_the_local_plotly_on_the_page_and_ends_in_the_note_that_replaces_it()
    {
        string html = NotebookDisplay.PlotlyScript();
        Assert.Contains("window.define = window.__plmkitDefine", html);   // plotly loaded as a global even under require.js
        Assert.DoesNotContain("<script src=", html);
        Assert.True(html.Length > 1_000_000);
        Assert.EndsWith(NotebookDisplay.PlotlyNote, html);
        Assert.True(NotebookDisplay.PlotlyNote.Length < 200);   // what stays in a saved notebook
    }

    [Fact]
    public void Two_charts_with_the_same_fixed_id_get_different_element_ids_and_keep_their_own()
    {
        var chart = Chart();
        string first = Write(chart), second = Write(chart);
        string Id(string html) => Regex.Match(html, "<div id=\"([^\"]+)\"").Groups[1].Value;
        Assert.StartsWith("plmkit-chart-", Id(first));
        Assert.NotEqual(Id(first), Id(second));
        Assert.Contains($"Plotly.newPlot('{Id(first)}'", first);
        Assert.DoesNotContain("'contrasts'", first);
        Assert.Equal("contrasts", chart.Id);   // the caller's chart is left as it was
    }

    [Fact]
    public void A_chart_waits_for_plotly_and_says_so_when_it_never_comes()
    {
        string html = Write(Chart());
        Assert.Contains("if (window.Plotly) { draw(); return; }", html);
        Assert.Contains("run the notebook from its first cell", html);
        Assert.DoesNotContain("<script src=", html);
    }
}
