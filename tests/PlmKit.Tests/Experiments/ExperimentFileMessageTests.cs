using PlmKit.Experiments;

namespace PlmKit.Tests.Experiments;

/// <summary>Experiment-file mistakes are told in the file's words (keys and kinds of value), not .NET's.</summary>
public sealed class ExperimentFileMessageTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("""{"datasets":[{"path":"x.csv"}],"models":["a"],"colour":1}""", "unknown key 'colour' (known keys here: name, datasets, models,")]
    [InlineData("""{"datasets":[{"path":"x.csv","bogus":2}],"models":["a"]}""", "unknown key 'bogus' (known keys here: path, format, name, targets")]
    [InlineData("""{"datasets":[],"models":"a"}""", "key 'models' has a value of the wrong kind; expected a list of strings")]
    [InlineData("""{"datasets":[],"models":["a"],"seed":"x"}""", "key 'seed' has a value of the wrong kind; expected a whole number")]
    public void MistakesAreToldInTheFilesWords(string json, string expected)
    {
        var path = _tmp.Write("experiment.json", json);
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain(".NET", e.Message);
        Assert.DoesNotContain("System.", e.Message);
    }

    [Fact]
    public void MaxMemoryReachesTheEmbedSettingsAndABadOneNamesTheKey()
    {
        var data = _tmp.Write("x.csv", "mutant,DMS_score\nA1C,0.5\n").Replace("\\", "/");
        string File(string extra) => $$"""{"datasets":[{"path":"{{data}}"}],"models":["a"]{{extra}}}""";
        var good = ExperimentConfig.Load(_tmp.Write("good.json", File(", \"maxMemory\": \"3.5GB\"")));
        Assert.Equal(3584L << 20, good.EmbedSettings.MaxMemoryBytes);
        Assert.Null(ExperimentConfig.Load(_tmp.Write("none.json", File(""))).EmbedSettings.MaxMemoryBytes);
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(_tmp.Write("bad.json", File(", \"maxMemory\": \"lots\""))));
        Assert.Contains("bad.json", e.Message);
        Assert.Contains("maxMemory: 'lots' is not a memory size", e.Message);
    }
}
