using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>The paper's selections and the new figures' data on small hand-made tables, bad ones included.</summary>
public class PaperBasisTests
{
    private static TidyTable Table(string csv) => TidyTable.Parse(new StringReader(csv), "t.csv");

    private static readonly ModelId Esm2Small = new("esm2", "8M", 8e6), Esm1v = new("esm1v", "650M", 6.5e8);

    [Fact]
    public void Figure3A_drops_exactly_the_four_long_protein_assays_and_supplementary_3_keeps_only_them()
    {
        var folds = PaperBasis.LongProteinAssays.Append("UBC9_HUMAN_Roth2017").Append("BRCA1_HUMAN").Select(d => new FoldScore(d, Esm2Small, 1, 0.5)).ToList();
        Assert.Equal(["UBC9_HUMAN_Roth2017", "BRCA1_HUMAN"], PaperBasis.Figure3A(folds).Select(f => f.Dataset));
        Assert.Equal(PaperBasis.LongProteinAssays, PaperBasis.LongAssays(folds).Select(f => f.Dataset));
    }

    [Fact]
    public void Figure3As_table_rows_are_mean_pooled_without_the_long_protein_assays()
    {
        var table = Table("Dataset,Compression_method,Model,Fold,R2_score_test\n" +
            "BRCA1_HUMAN_RING,mean,esm2_8M,1,0.5\nA,mean,esm2_8M,1,0.4\nA,bos,esm2_8M,1,0.1\nPOLG_HCVJF_Sun2014,mean,esm2_8M,1,0.2\nB,mean,esm2_8M,1,0.3\n");
        var rows = PaperBasis.Figure3A(table);
        Assert.Equal(["A", "B"], rows.Strings("Dataset"));
        Assert.Equal(table.LineOf(1), rows.LineOf(0));   // line numbers survive, for error messages
        var e = Assert.Throws<InputException>(() => PaperBasis.Figure3A(Table("Model,Fold,R2_score_test\nesm2_8M,1,0.5\n")));
        Assert.Contains("no column 'Dataset'", e.Message);
    }

    [Theory]
    [InlineData("Dataset,Model,Fold,R2_score_test\nA,esm2_8M,1,0.5\nA,esm2_8M,2,0.4\n", "at least two models")]
    [InlineData("Dataset,Model,Fold,R2_score_test\nBRCA1_HUMAN_RING,esm2_8M,1,0.5\nBRCA1_HUMAN_RING,esm2_35M,1,0.4\n", "at least two models")]
    [InlineData("Dataset,Model,Fold,R2_score_test\nA,esm2_8M,1,0.5\nA,esm2_35M,1,nan\n", "t.csv:3:")]
    public void The_comparison_of_models_rejects_tables_it_cannot_fit(string csv, string problem)
    {
        var e = Assert.Throws<InputException>(() => ModelComparison.Run(Table(csv), 0.02));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Figure4_drops_size_32_and_esm1v_only()
    {
        var rows = new[] { (Esm2Small, 32), (Esm2Small, 100), (Esm1v, 100), (Esm2Small, 320) }
            .Select(t => new SamplingScore("D", t.Item1, t.Item2, 1, 0.3, 10)).ToList();
        Assert.Equal([100, 320], PaperBasis.Figure4(rows).Select(r => r.SampleSize));
        Assert.All(PaperBasis.Figure4(rows), r => Assert.Equal("esm2", r.Model.Family));
    }

    [Fact]
    public void Only_mean_pooled_rows_are_kept_and_a_table_without_the_column_is_taken_whole()
    {
        var table = Table("Dataset,Compression_method,Model,Fold,R2_score_test\nA,mean,esm2_8M,1,0.5\nA,bos,esm2_8M,1,0.1\n");
        Assert.Equal(1, PaperBasis.MeanPooled(table).RowCount);
        Assert.Equal(3, PaperBasis.MeanPooled(table).LineOf(0) + 1);   // line numbers survive the filter
        var plain = Table("Dataset,Model,Fold,R2_score_test\nA,esm2_8M,1,0.5\n");
        Assert.Same(plain, PaperBasis.MeanPooled(plain));
    }

    [Fact]
    public void Feature_counts_are_averaged_and_a_negative_count_is_an_error()
    {
        var data = LearningCurveData.Compute(StudyTables.SamplingScores(Table(
            "Dataset,Model,Sample_size,Fold,R2_score_test,nun_zero_coefs\nA,esm2_8M,100,1,0.1,10\nA,esm2_8M,100,2,0.3,20\n")));
        Assert.Equal(15, data.Points.Single().MeanNonZero);
        Assert.Equal(Math.Sqrt(50), data.Points.Single().StdNonZero, 12);
        var e = Assert.Throws<InputException>(() => StudyTables.SamplingScores(Table(
            "Dataset,Model,Sample_size,Fold,R2_score_test,nun_zero_coefs\nA,esm2_8M,100,1,0.1,-1\n")));
        Assert.StartsWith("t.csv:2:", e.Message);
        Assert.Contains("nun_zero_coefs", e.Message);
        // Without the column there is nothing to draw for Figure 4B: one input error naming the figure.
        var noCounts = Table("Dataset,Model,Sample_size,Fold,R2_score_test\nA,esm2_8M,100,1,0.1\n");
        Assert.False(LearningCurveData.Compute(StudyTables.SamplingScores(noCounts)).HasFeatureCounts);
        e = Assert.Throws<InputException>(() => StudyFigure.FromTable(FigureKind.Features, noCounts));
        Assert.Contains("features", e.Message);
        Assert.Contains("nun_zero_coefs", e.Message);
    }

    [Theory]
    [InlineData("Dataset,Compression_method,R2_score_test\nA,bos,0.1\n", "no rows with Compression_method 'mean'")]
    [InlineData("Dataset,Compression_method,R2_score_test\nA,mean,0.1\n", "no compression method other than")]
    [InlineData("Dataset,Compression_method,R2_score_test\nA,mean,0.1\nB,bos,0.2\n", "dataset 'B' has 'bos' rows but none with the reference")]
    [InlineData("Dataset,Compression_method,R2_score_test\nA,mean,0.1\nA,bos,inf\n", "t.csv:3:")]
    [InlineData("Dataset,R2_score_test\nA,0.1\n", "no column 'Compression_method'")]
    public void Method_scatter_rejects_tables_it_cannot_pair(string csv, string problem)
    {
        var e = Assert.Throws<InputException>(() => MethodScatterData.Compute(Table(csv)));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Method_scatter_counts_datasets_below_the_reference()
    {
        var data = MethodScatterData.Compute(Table("Dataset,Compression_method,R2_score_test\n" +
            "A,mean,0.5\nA,mean,0.7\nA,bos,0.4\nB,mean,0.2\nB,bos,0.3\nA,maxPool,0.59\nB,maxPool,0.21\n"));
        var bos = data.Summaries.Single(s => s.Method == "bos");
        Assert.Equal((2, 1), (bos.Datasets, bos.Below));
        Assert.Equal(-0.05, bos.MedianDifference, 12);   // ((0.4 − 0.6) + (0.3 − 0.2)) / 2
        Assert.Equal("maxPool", data.Summaries[0].Method);   // closest to mean first (median 0)
    }

    [Theory]
    [InlineData(FigureKind.MethodScatter, "summary_DMS_esm2_150M_all_methods", 13)]
    [InlineData(FigureKind.LongAssays, "DMS_all_multi_model_metadata", 4 * 3)]
    [InlineData(FigureKind.ModelFits, "DMS_all_multi_model_metadata", 2 * 12)]
    [InlineData(FigureKind.Features, "lassoCV_sampling_all_models_and_datasets", 3 * 11)]
    [InlineData(FigureKind.SizeHistogram, "DMS_all_multi_model_metadata", 1)]
    public void Plmkit_figures_draws_the_new_kinds_from_one_study_table(FigureKind kind, string table, int panelsOrLines)
    {
        var figure = StudyFigure.FromTable(kind, TidyTable.Read(Path.Combine(SharedData.Swat, "results", table + ".csv")));
        Assert.Equal(kind, figure.Kind);
        Assert.NotEmpty(figure.Tables);
        Assert.All(figure.Tables, t => Assert.StartsWith(figure.Name + "_", t.Name));
        string html = figure.Chart.GetInlineHtml();
        // One trace per panel (method scatter), per assay and family (long assays: 3 families without ESM-1v),
        // per model and dataset (features), the fit lines (model fits: one per panel), or the one bar trace.
        int count = kind switch
        {
            FigureKind.ModelFits => CountOf(html, "log-linear fit"),
            FigureKind.SizeHistogram => CountOf(html, "\"type\":\"bar\""),
            _ => CountOf(html, "\"type\":\"scatter\""),
        };
        Assert.Equal(panelsOrLines, count);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    [Fact]
    public void Long_assays_without_any_of_the_four_and_fits_without_sizes_are_errors()
    {
        var other = new[] { new FoldScore("UBC9", Esm2Small, 1, 0.5) };
        Assert.Throws<ArgumentException>(() => LongAssayData.Compute(other));
        var e = Assert.Throws<ArgumentException>(() => ModelFitData.Compute(other, []));
        Assert.Contains("no size and length", e.Message);
        Assert.Throws<ArgumentException>(() => ModelFitData.Compute(other, [new DatasetInfo("UBC9", 100, 50, "")], [Esm1v]));
        // Fewer than 3 datasets cannot be fitted.
        Assert.Throws<ArgumentException>(() => ModelFitData.Compute(other, [new DatasetInfo("UBC9", 100, 50, "")]));
    }
}
