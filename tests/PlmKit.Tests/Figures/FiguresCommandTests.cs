using System.Buffers.Binary;

namespace PlmKit.Tests.Figures;

/// <summary><c>plmkit figures</c> end to end, in-process: files written, PNG size, offline HTML, errors.</summary>
[Collection(PlmKit.Tests.Experiments.ChromiumEnvironment.Collection)]
public class FiguresCommandTests
{
    [Theory]
    [InlineData("compression", "reference/dms_compression_glht.csv", 900, 730)]
    [InlineData("model-size", "results/DMS_all_multi_model_metadata.csv", 950, 600)]
    [InlineData("dataset-size", "results/DMS_all_multi_model_metadata.csv", 1200, 560)]
    [InlineData("learning-curve", "results/lassoCV_sampling_all_models_and_datasets.csv", 1590, 600)]
    public void Writes_offline_html_a_png_of_the_chart_size_and_the_numbers(string kind, string input, int width, int height)
    {
        using var tmp = new TempDir();
        string dir = tmp.Path;
        var (code, stdout, stderr) = CliRunner.Run("figures", "--kind", kind, "--input", Path.Combine(SharedData.Swat, input), "--out", dir);
        Assert.True(code == 0, stderr);
        string html = File.ReadAllText(Path.Combine(dir, kind + ".html"));
        Assert.Contains("Plotly.newPlot('" + kind + "'", html);
        Assert.DoesNotContain("<script src=", html);          // plotly.js inlined: opens offline
        Assert.True(html.Length > 1_000_000, "plotly.js should be inlined");
        byte[] png = File.ReadAllBytes(Path.Combine(dir, kind + ".png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        Assert.True(png.Length > 20_000, "a blank screenshot is a few kB; a drawn figure is more");
        Assert.NotEmpty(Directory.GetFiles(dir, kind + "_*.csv"));
        Assert.Equal(Directory.GetFiles(dir).Order(), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Theory]
    [InlineData("sunburst", "reference/dms_compression_glht.csv", "unknown figure kind 'sunburst'")]
    [InlineData("compression", "results/lassoCV_sampling_all_models_and_datasets.csv", "no column 'Compression_method'")]
    [InlineData("learning-curve", "results/DMS_all_multi_model_metadata.csv", "no column 'Sample_size'")]
    [InlineData("model-size", "results/missing.csv", "file not found")]
    public void Bad_input_is_one_line_exit_code_2_and_no_files(string kind, string input, string message)
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("out");
        var (code, _, stderr) = CliRunner.Run("figures", "--kind", kind, "--input", Path.Combine(SharedData.Swat, input), "--out", dir);
        Assert.Equal(2, code);
        Assert.StartsWith("plmkit: error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Html_only_needs_no_chromium_and_a_missing_chromium_is_a_clear_error()
    {
        // Tests of this class run one after another (one xunit collection), and only this class
        // renders PNGs, so pointing PLMKIT_CHROMIUM elsewhere for a moment disturbs no other test.
        using var tmp = new TempDir();
        string dir = tmp.Path;
        string input = Path.Combine(SharedData.Swat, "reference", "dms_compression_glht.csv");
        Environment.SetEnvironmentVariable("PLMKIT_CHROMIUM", "/nonexistent/chromium");
        try
        {
            var (code, _, stderr) = CliRunner.Run("figures", "--kind", "compression", "--no-png", "--out", dir, "--input", input);
            Assert.True(code == 0, stderr);
            Assert.True(File.Exists(Path.Combine(dir, "compression.html")));
            Assert.False(File.Exists(Path.Combine(dir, "compression.png")));

            string other = Path.Combine(dir, "with-png");
            (code, _, stderr) = CliRunner.Run("figures", "--kind", "compression", "--out", other, "--input", input);
            Assert.Equal(2, code);
            Assert.Contains("PLMKIT_CHROMIUM points at '/nonexistent/chromium'", stderr);
            Assert.False(Directory.Exists(other));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PLMKIT_CHROMIUM", null);
        }
    }
}
