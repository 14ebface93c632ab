
namespace PlmKit.Tests.Data;

public sealed class DatasetsCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void ListsTheCatalogue()
    {
        var (code, output, err) = CliRunner.Run("datasets", "list");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Equal(47, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("IF1_ECOLI", output);
        var dms = CliRunner.Run("datasets", "list", "--kind", "dms").Out;
        Assert.Equal(35, dms.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void ShowsWhereTheFileIs()
    {
        var (code, output, _) = CliRunner.Run("datasets", "show", "IF1_ECOLI", "--data-dir", SharedData.Swat, "--cache", _tmp.Path);
        Assert.Equal(0, code);
        Assert.Contains("rows:        1439", output);
        Assert.Contains($"local:       {Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")} (checksum verified)", output);
        var absent = CliRunner.Run("datasets", "show", "IF1_ECOLI", "--data-dir", _tmp.Path, "--cache", _tmp.Path);
        Assert.Equal(0, absent.Code);
        Assert.Contains("local:       not present", absent.Out);
    }

    [Fact]
    public void FetchesFromTheOverrideAndFailsClearlyOffline()
    {
        var (code, output, _) = CliRunner.Run("datasets", "fetch", "--kind", "results", "--offline", "--data-dir", SharedData.Swat, "--cache", _tmp.Path);
        Assert.Equal(0, code);
        Assert.Equal(6, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var offline = CliRunner.Run("datasets", "fetch", "IF1_ECOLI", "--offline", "--data-dir", _tmp.Path, "--cache", _tmp.Path);
        Assert.Equal(2, offline.Code);
        Assert.StartsWith("plmkit: error: dataset 'IF1_ECOLI' is not available offline", offline.Err);
        Assert.Contains("PLMKIT_DATA_DIR", offline.Err);
        Assert.Single(offline.Err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("no dataset 'NOPE' in the catalogue", "datasets", "fetch", "NOPE", "--offline")]
    [InlineData("name at least one dataset", "datasets", "fetch", "--offline")]
    [InlineData("--data-dir: folder", "datasets", "show", "IF1_ECOLI", "--data-dir", "/no/such/folder")]
    [InlineData("--kind: no datasets of kind 'x'", "datasets", "list", "--kind", "x")]
    public void BadArgumentsGiveOneLine(string message, params string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
