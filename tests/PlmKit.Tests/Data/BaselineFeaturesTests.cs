using PlmKit.Data;

namespace PlmKit.Tests.Data;

public class BaselineFeaturesTests
{
    [Theory]
    [InlineData("IF1_ECOLI")]
    [InlineData("SUMO1_HUMAN_Roth2017")]
    [InlineData("YAP1_HUMAN_Fields2012_singles")]
    public void OneHotEqualsTheGoldenMatrix(string dataset)
    {
        var assay = AssayReader.Read(Path.Combine(SharedData.Swat, "dms", dataset + ".csv"));
        var golden = SafeTensorsFile.Open(Path.Combine(SharedData.Golden, "expected", "lasso", $"features_{dataset}_onehot.safetensors"));
        Assert.Equal("U8", golden.DType("features"));
        var shape = golden.Shape("features");
        var expected = golden.Floats("features");
        var x = BaselineFeatures.OneHot(assay);
        Assert.Equal(shape, new[] { x.GetLength(0), x.GetLength(1) });
        Assert.Equal(assay.Records[0].Sequence.Length * 20, shape[1]);
        int mismatches = 0;
        for (int i = 0; i < shape[0]; i++)
            for (int j = 0; j < shape[1]; j++)
                if (x[i, j] != expected[i * shape[1] + j]) mismatches++;
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void OneHotLayout()
    {
        var x = BaselineFeatures.OneHot(["AY", "CW"]);
        Assert.Equal(40, x.GetLength(1));
        Assert.Equal(1.0, x[0, 0]);        // A at position 0
        Assert.Equal(1.0, x[0, 20 + 19]);  // Y at position 1
        Assert.Equal(1.0, x[1, 1]);        // C
        Assert.Equal(1.0, x[1, 20 + 18]);  // W
        Assert.Equal(4.0, x.Cast<double>().Sum());
    }

    [Fact]
    public void OneHotRejectsUnequalLengthsAndUnknownLetters()
    {
        Assert.Contains("sequence 2 has 3 residues, sequence 1 has 2", Assert.Throws<InputException>(() => BaselineFeatures.OneHot(["AY", "CWW"])).Message);
        Assert.Contains("sequence 2 has 'X' at position 1", Assert.Throws<InputException>(() => BaselineFeatures.OneHot(["AY", "XW"])).Message);
        Assert.Contains("no sequences", Assert.Throws<InputException>(() => BaselineFeatures.OneHot(Array.Empty<string>())).Message);
        var x = BaselineFeatures.OneHot(["AY", "XW"], unknownAsZero: true);
        Assert.Equal(3.0, x.Cast<double>().Sum());
    }

    [Fact]
    public void CompositionCountsOverTheFullLength()
    {
        var x = BaselineFeatures.Composition(["AAC", "AXWW"]);
        Assert.Equal(20, x.GetLength(1));
        Assert.Equal(2.0 / 3, x[0, 0], 15);
        Assert.Equal(1.0 / 3, x[0, 1], 15);
        Assert.Equal(0.25, x[1, 0], 15);
        Assert.Equal(0.5, x[1, 18], 15);
        // X counts in the length but in no column.
        Assert.Equal(0.75, Enumerable.Range(0, 20).Sum(k => x[1, k]), 15);
        Assert.Throws<InputException>(() => BaselineFeatures.Composition(["A", ""]));
    }
}
