using PlmKit.Experiments;
using PlmKit.Statistics;

namespace PlmKit.Tests.Experiments;

/// <summary>
/// An experiment file's <c>statistics</c> reaches every setting of <c>plmkit stats</c>, through the
/// same parsers, so a run's analysis can be any analysis the command can do.
/// </summary>
public sealed class ExperimentStatisticsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string File(string statistics)
    {
        _tmp.Write("assay.csv", ",ID,mutant,target,sequence\n0,v1,M1A,0.1,AKT\n");
        return _tmp.Write("experiment.json", $$"""
            { "datasets": [ { "path": "assay.csv" } ], "models": [ "tiny" ], "statistics": {{statistics}} }
            """);
    }

    [Fact]
    public void EveryStatsSettingCanBeGivenInTheFile()
    {
        var config = ExperimentConfig.Load(File("""
            { "effect": "Model", "random": ["Dataset"], "covariates": ["Size"], "criterion": "ml", "contrasts": "tukey",
              "adjust": "holm", "margin": 0.05, "orderBy": "Size", "reference": "b" }
            """));
        var settings = config.Statistics!.Settings();
        Assert.Equal(FitCriterion.MaximumLikelihood, settings.Criterion);
        Assert.Equal(ContrastKind.Tukey, settings.Contrasts);
        Assert.Equal(PAdjustment.Holm, settings.Adjustment);
        Assert.Equal(0.05, settings.Margin);
        Assert.Equal("Size", settings.OrderBy);
        Assert.Equal(["Size"], settings.Covariates);
        Assert.Equal("b", settings.Effect.Reference);
    }

    [Fact]
    public void TheDefaultsAreTheCommandsDefaults()
    {
        var settings = ExperimentConfig.Load(File("""{ "effect": "Model" }""")).Statistics!.Settings();
        var command = StudyAnalysisSettings.Of("R2_score_test", "Model", ["Dataset/Fold"]);
        Assert.Equal(command.Criterion, settings.Criterion);
        Assert.Equal(command.Contrasts, settings.Contrasts);
        Assert.Equal(command.Adjustment, settings.Adjustment);
        Assert.Null(settings.Margin);
        Assert.Equal(command.Formula.ToString(), settings.Formula.ToString());
    }

    [Theory]
    [InlineData("""{ "criterion": "bayes" }""", "statistics: criterion must be reml or ml, not 'bayes'")]
    [InlineData("""{ "contrasts": "scheffe" }""", "statistics: contrasts must be dunnett or tukey, not 'scheffe'")]
    [InlineData("""{ "adjust": "fdr" }""", "statistics: adjust must be")]
    [InlineData("""{ "margin": -0.1 }""", "margin must be a positive number")]
    [InlineData("""{ "orderBy": "Size" }""", "order-by needs")]
    public void BadSettingsAreRefusedBeforeTheRunNamingTheFile(string statistics, string expected)
    {
        var path = File(statistics);
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
