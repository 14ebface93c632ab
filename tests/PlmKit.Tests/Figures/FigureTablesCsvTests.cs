using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>The numbers tables behind figures go through the core <see cref="CsvFile"/> writer.</summary>
public class FigureTablesCsvTests
{
    [Fact]
    public void Figure_tables_keep_their_columns_quote_by_RFC_4180_and_write_NaN_as_an_empty_cell()
    {
        var model = ModelId.TryParse("esm2_t6_8M_UR50D")!;
        var data = new LearningCurveData([
            new CurvePoint("GFP, avGFP", model, 100, 0.5, 0.1, 5),
            new CurvePoint("IF1", model, 100, 0.25, double.NaN, 1),
        ]);
        var table = StudyFigure.Of(data).Tables.Single();
        var lines = table.Csv.Split('\n');
        Assert.Equal("Dataset,Model,ModelSize,Sample_size,mean_R2_score_test,sd_R2_score_test,n_folds", lines[0]);
        Assert.Equal($"\"GFP, avGFP\",{model.Family},{model.Size},100,0.5,0.1,5", lines[1]);
        Assert.Equal($"IF1,{model.Family},{model.Size},100,0.25,,1", lines[2]);
        Assert.Equal(CsvFile.Format(lines[0].Split(','), [
            ["GFP, avGFP", model.Family, model.Size, 100, 0.5, 0.1, 5],
            ["IF1", model.Family, model.Size, 100, 0.25, double.NaN, 1],
        ]), table.Csv);
    }
}
