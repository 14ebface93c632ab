using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>Bad tables give one clear InputException naming the file and line; nothing is skipped.</summary>
public class BadTableTests
{
    private static TidyTable Table(string csv) => TidyTable.Parse(new StringReader(csv), "t.csv");

    private const string Header = "Dataset,Model,ModelSize,Fold,R2_score_test,dataset_size,prot_length,group\n";

    [Theory]
    [InlineData(Header + "A,esm2,150M,1,nan,100,50,G\n", "t.csv:2:", "finite")]
    [InlineData(Header + "A,esm2,150M,1,0.5,100,50,G\nA,esm2,big,2,0.5,100,50,G\n", "t.csv:3:", "'big'")]
    [InlineData(Header + "A,esm2,150M,1.5,0.5,100,50,G\n", "t.csv:2:", "whole number")]
    [InlineData(Header + "A,esm2,150M,1,x,100,50,G\n", "t.csv:2:", "not a number")]
    [InlineData("Dataset,Model,Fold,R2_score_test\nA,onehot,1,0.5\n", "t.csv:2:", "names no size")]
    [InlineData("Dataset,Model,Fold\nA,esm2_8M,1\n", "t.csv:1:", "no column 'R2_score_test'")]
    public void Fold_scores_reject_bad_rows(string csv, string location, string problem)
    {
        var e = Assert.Throws<InputException>(() => StudyTables.FoldScores(Table(csv)));
        Assert.StartsWith(location, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Datasets_whose_rows_disagree_on_size_are_an_error()
    {
        var e = Assert.Throws<InputException>(() => StudyTables.Datasets(Table(Header + "A,esm2,8M,1,0.5,100,50,G\nA,esm2,8M,2,0.5,101,50,G\n")));
        Assert.StartsWith("t.csv:3:", e.Message);
        Assert.Contains("size 101", e.Message);
    }

    [Fact]
    public void A_non_positive_sample_size_is_an_error()
    {
        var e = Assert.Throws<InputException>(() => StudyTables.SamplingScores(Table("Dataset,Model,Sample_size,Fold,R2_score_test\nA,esm2_8M,0,1,0.1\n")));
        Assert.StartsWith("t.csv:2:", e.Message);
    }

    [Theory]
    [InlineData("contrast,estimate,conf_low,conf_high\nbos,-0.1,-0.05,0.0\n", "t.csv:2:", "does not contain")]
    [InlineData("contrast,estimate,conf_low,conf_high\nbos,-0.1,nan,0.0\n", "t.csv:2:", "finite")]
    [InlineData("contrast,estimate,conf_low,conf_high\n", "t.csv", "no contrasts")]
    [InlineData("term,estimate\nbos,-0.1\n", "t.csv:1:", "no column 'contrast'")]
    public void Contrast_tables_reject_bad_rows(string csv, string location, string problem)
    {
        var e = Assert.Throws<InputException>(() => CompressionData.FromContrastTable(Table(csv)));
        Assert.StartsWith(location, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Too_few_datasets_for_a_fit_is_an_input_error_naming_the_figure()
    {
        var e = Assert.Throws<InputException>(() => StudyFigure.FromTable(FigureKind.DatasetSize,
            Table(Header + "A,esm2,8M,1,0.5,100,50,G\nB,esm2,8M,1,0.4,200,60,G\n")));
        Assert.Contains("dataset-size", e.Message);
        Assert.Contains("at least 3", e.Message);
    }
}
