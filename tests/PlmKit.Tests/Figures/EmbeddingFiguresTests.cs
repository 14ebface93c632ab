using System.Text.Json;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>Notebook helpers: the residue heatmap's shape and checks, the offline plotly script.</summary>
public class EmbeddingFiguresTests
{
    private static JsonElement Data(XPlot.Plotly.PlotlyChart chart)
    {
        string js = chart.GetInlineJS();
        int start = js.IndexOf("var data = ", StringComparison.Ordinal) + "var data = ".Length;
        int end = js.IndexOf(";\n", start, StringComparison.Ordinal);
        return JsonDocument.Parse(js[start..end]).RootElement;
    }

    [Fact]
    public void Residue_heatmap_has_one_row_per_residue_and_a_symmetric_colour_range()
    {
        float[] states = [1, -2, 0.5f, 3, 0, -1];          // 3 residues x 2 dimensions
        var chart = EmbeddingFigures.ResidueStates(states, "MKT", "t");
        var trace = Data(chart)[0];
        Assert.Equal("heatmap", trace.GetProperty("type").GetString());
        Assert.Equal(["M1", "K2", "T3"], trace.GetProperty("y").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, trace.GetProperty("z").GetArrayLength());
        Assert.Equal(3.0, trace.GetProperty("z")[1][1].GetDouble());
        Assert.Equal(-3.0, trace.GetProperty("zmin").GetDouble());
        Assert.Equal(3.0, trace.GetProperty("zmax").GetDouble());
    }

    [Fact]
    public void Residue_heatmap_rejects_states_that_do_not_fit_the_sequence() =>
        Assert.Throws<ArgumentException>(() => EmbeddingFigures.ResidueStates(new float[5], "MKT", "t"));

    [Fact]
    public void Pooled_vectors_draw_one_line_per_compression_named_with_its_length()
    {
        var chart = EmbeddingFigures.PooledVectors([("mean", new float[4]), ("iDCT1", new float[9])], "t");
        Assert.Equal(["mean (4)", "iDCT1 (9)"], Data(chart).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }
}
