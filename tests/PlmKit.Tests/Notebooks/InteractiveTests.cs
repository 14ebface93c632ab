using Microsoft.Data.Analysis;
using PlmKit.Data;
using PlmKit.Figures;
using PlmKit.Interactive;
using PlmKit.Regression;
using PlmKit.Statistics;

namespace PlmKit.Tests.Notebooks;

/// <summary>PlmKit.Interactive without a kernel: DataFrame conversions, table HTML, R-style summaries.</summary>
public class InteractiveTests
{
    private static TidyTable Parse(string csv) => TidyTable.Parse(new StringReader(csv), "t.csv");

    [Fact]
    public void A_tidy_table_becomes_typed_columns_with_empty_cells_missing()
    {
        var frame = Parse("Dataset,R2,Fold,Note\nA,0.5,0,x\nB,,1,\nC,NaN,2,z\n").ToDataFrame();
        Assert.Equal(["Dataset", "R2", "Fold", "Note"], frame.Columns.Select(c => c.Name));
        Assert.IsType<StringDataFrameColumn>(frame.Columns["Dataset"]);
        var r2 = Assert.IsType<DoubleDataFrameColumn>(frame.Columns["R2"]);
        Assert.Equal(0.5, r2[0]);
        Assert.Null(r2[1]);                     // empty: missing
        Assert.True(double.IsNaN(r2[2]!.Value)); // written NaN: a number
        Assert.IsType<DoubleDataFrameColumn>(frame.Columns["Fold"]);
        Assert.IsType<StringDataFrameColumn>(frame.Columns["Note"]);
        Assert.Equal("", frame.Columns["Note"][1]);
    }

    [Fact]
    public void A_column_with_one_word_among_numbers_stays_text_and_an_empty_one_too()
    {
        var frame = Parse("a,b\n1,\n2x,\n").ToDataFrame();
        Assert.IsType<StringDataFrameColumn>(frame.Columns["a"]);
        Assert.Equal("2x", frame.Columns["a"][1]);
        Assert.IsType<StringDataFrameColumn>(frame.Columns["b"]);
    }

    [Fact]
    public void Table_to_frame_and_back_keeps_every_value_and_writes_missing_as_empty()
    {
        var table = Parse("Dataset,R2,Fold\nA,0.1081781933712729,0\nB,,1\n");
        var back = table.ToDataFrame().ToTidyTable("back");
        Assert.Equal(table.ColumnNames, back.ColumnNames);
        Assert.Equal(table.Strings("Dataset"), back.Strings("Dataset"));
        Assert.Equal(["0.1081781933712729", ""], back.Strings("R2"));
        Assert.Equal(["0", "1"], back.Strings("Fold"));
        Assert.Equal(3, back.LineOf(1));
        var e = Assert.Throws<InputException>(() => back.Numbers("R2"));   // the reader's own checks still apply
        Assert.Contains("back", e.Message);
    }

    [Fact]
    public void Records_and_anonymous_objects_become_one_column_per_property_in_order()
    {
        var rows = new[] { new { Model = "esm2", Layer = (int?)6, R2 = 0.25, Equivalent = true }, new { Model = "onehot", Layer = (int?)null, R2 = -0.5, Equivalent = false } };
        var frame = rows.ToDataFrame();
        Assert.Equal(["Model", "Layer", "R2", "Equivalent"], frame.Columns.Select(c => c.Name));
        Assert.Equal(6.0, frame.Columns["Layer"][0]);
        Assert.Null(frame.Columns["Layer"][1]);
        Assert.IsType<BooleanDataFrameColumn>(frame.Columns["Equivalent"]);
        Assert.Equal(2, frame.Rows.Count);

        var result = new ResultRow("A", "esm2", "mean", 0, 0.9, 0.1, 0.2, 0.5, 0.3, 0.4, 0.8, 0.7, 12, null, 0.01, 80, 20, 1.5, 100, "lasso", "default", 0.04, 0.16, "plain");
        var results = new[] { result }.ToDataFrame();
        Assert.Equal(ResultRow.Columns, results.Columns.Select(c => c.Name));   // the study's column order
        Assert.Null(results.Columns["Layer"][0]);
    }

    [Fact]
    public void A_type_without_properties_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new[] { new object() }.ToDataFrame());
    }

    [Theory]
    [InlineData(-0.10817819337127298, "-0.1082")]
    [InlineData(0.010083929085900112, "0.01008")]
    [InlineData(-10.727782043066279, "-10.73")]
    [InlineData(12345.678, "12346")]
    [InlineData(9.799895632904824E-26, "9.800e-26")]
    [InlineData(2800.0, "2800")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Numbers_show_four_significant_digits(double value, string shown) => Assert.Equal(shown, TableHtml.Format(value));

    [Fact]
    public void The_table_html_encodes_cells_aligns_numbers_and_says_how_many_rows_it_left_out()
    {
        var rows = Enumerable.Range(0, TableHtml.MaxRows + 5).Select(i => new { Name = i == 0 ? "<b>" : "x", Value = i + 0.5 });
        string html = TableHtml.Write(rows.ToDataFrame());
        Assert.Contains("&lt;b&gt;", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("<td style=\"text-align:right\">0.5000</td>", html);
        Assert.Equal(TableHtml.MaxRows + 1, html.Split("<tr>").Length - 1);   // header + shown rows
        Assert.Contains($"{TableHtml.MaxRows} of {TableHtml.MaxRows + 5} rows shown", html);
    }

    [Fact]
    public void A_fit_prints_as_lme4_summary_with_its_own_numbers()
    {
        var table = TidyTable.Read(Path.Combine(SharedData.Swat, "results", "summary_DMS_esm2_150M_all_methods.csv"));
        var (_, fit, contrasts) = CompressionData.FromResults(table, reference: "mean");
        string text = RSummaries.Fit(fit);
        Assert.StartsWith("Linear mixed model fit by REML\nFormula: R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold)\n", text);
        Assert.Contains($"Number of obs: {fit.ObservationCount}, groups:  Dataset, 40; Fold, 5", text);
        Assert.Contains("boundary (singular) fit", text);   // the Fold variance is 0, as in lme4
        var bos = fit.FixedEffects.Single(e => e.Term == "Compression_methodbos");
        var line = text.Split('\n').Single(l => l.StartsWith("Compression_methodbos ", StringComparison.Ordinal));
        Assert.Equal(["Compression_methodbos", TableHtml.Format(bos.Estimate), TableHtml.Format(bos.StdError), bos.TValue.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)],
            line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Columns line up: every row of the fixed-effects table has the header's width.
        var block = text[text.IndexOf("Fixed effects:\n", StringComparison.Ordinal)..].Split('\n').Skip(1).TakeWhile(l => l.Length > 0 && !l.StartsWith("boundary", StringComparison.Ordinal)).ToList();
        Assert.Equal(fit.FixedEffects.Count + 1, block.Count);
        Assert.Single(block.Select(l => l.Length).Distinct());

        string glht = RSummaries.Contrasts(contrasts);
        Assert.Contains("bos == 0", glht);
        Assert.Contains($"quantile = {contrasts.CriticalValue:F4}", glht);
    }

    [Fact]
    public void Contrasts_print_as_multcomp_with_stars_and_small_p_values_capped()
    {
        var table = new ContrastTable([
            new ContrastResult("bos", -0.108, 0.01, -10.8, 1e-26, -0.136, -0.080),
            new ContrastResult("maxPool", -0.034, 0.01, -3.39, 0.0077, -0.062, -0.006),
            new ContrastResult("pca1", 0.001, 0.01, 0.1, 0.92, -0.027, 0.029),
        ], PAdjustment.Holm, 0.95, 2.79, 0);
        var lines = RSummaries.Contrasts(table).Split('\n');
        Assert.Equal("\t Simultaneous Tests for General Linear Hypotheses", lines[0]);
        Assert.EndsWith("<1e-04 ***", lines.First(l => l.StartsWith("bos == 0", StringComparison.Ordinal)));
        Assert.EndsWith("0.007700 **", lines.First(l => l.StartsWith("maxPool == 0", StringComparison.Ordinal)));
        Assert.Equal(["bos", "==", "0", "-0.1080", "-0.1360", "-0.08000"], lines.Last(l => l.StartsWith("bos == 0", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));   // confint: estimate, lwr, upr
        Assert.EndsWith("0.9200", lines.First(l => l.StartsWith("pca1 == 0", StringComparison.Ordinal)));
        Assert.Contains("(Adjusted p values reported -- holm method)", lines);
        Assert.Contains("95% family-wise confidence level, quantile = 2.7900", lines);
    }

    [Fact]
    public void A_bullet_list_encodes_its_sentences()
    {
        var list = new BulletList(["R² < 0.05 & falling", "second"]);
        Assert.Equal("<ul><li>R&#178; &lt; 0.05 &amp; falling</li><li>second</li></ul>", list.ToHtml());
        Assert.Equal("- R² < 0.05 & falling\n- second", list.ToString());
    }
}
