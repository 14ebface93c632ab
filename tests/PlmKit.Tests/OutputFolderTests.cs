using PlmKit.Tests.Models;

namespace PlmKit.Tests;

/// <summary>
/// Every command's output folder is checked by one rule (<see cref="OutputFolder"/>), with one
/// message: an existing file given as <c>--out</c> (or an experiment file's <c>out</c>) is refused
/// before any work, and the file is left as it was.
/// </summary>
public sealed class OutputFolderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private const string Assay =
        ",ID,mutant,target,sequence\n0,v1,M1A,0.1,AKTAYIAK\n1,v2,K2A,0.5,MATAYIAK\n2,v3,T3G,0.9,MKGAYIAK\n3,v4,A4G,0.2,MKTGYIAK\n";

    public static TheoryData<string> Commands => new("embed", "evaluate", "stats", "score", "finetune", "predict", "properties", "run", "reproduce");

    private string[] CommandLine(string command, string taken)
    {
        string assay = _tmp.Write("assay.csv", Assay);
        return command switch
        {
            "embed" => ["embed", "--model", Golden.TinyPt, "--input", assay, "--out", taken],
            "evaluate" => ["evaluate", "--input", assay, "--features", "onehot", "--protocol", "default", "--out", taken],
            "stats" => ["stats", "--input", _tmp.Write("tidy.csv", "Dataset,Fold,method,y\na,0,mean,0.5\n"), "--effect", "method",
                        "--random", "Dataset", "--response", "y", "--out", taken],
            "score" => ["score", "--model", Golden.TinyPt, "--input", assay, "--out", taken],
            "finetune" => ["finetune", "--model", Golden.TinyPt, "--input", assay, "--epochs", "1", "--out", taken],
            "predict" => ["predict", "--model", Golden.TinyPt, "--adapter", _tmp.Write("fold1.safetensors", "x"), "--input", assay, "--out", taken],
            "properties" => ["properties", "--input", _tmp.Write("p.fasta", ">p1\nMKTAY\n"), "--out", taken],
            "run" => ["run", _tmp.Write("exp.json", $"{{ \"datasets\": [{{ \"path\": \"assay.csv\" }}], \"models\": [\"{Golden.TinyFolder}\"], \"pools\": [\"mean\"], \"folds\": 2, \"out\": \"taken.txt\" }}"),
                      "--store", _tmp.Sub("store")],
            "reproduce" => ["reproduce", "--data-dir", SharedData.Swat, "--no-png", "--out", taken],
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void AFileAsTheOutputFolderIsRefusedInOneLineAndKept(string command)
    {
        string taken = _tmp.Write("taken.txt", "keep me\n");
        var (code, stdout, err) = CliRunner.Run(CommandLine(command, taken));
        Assert.True(code == 2, $"{command}: exit {code}\n{err}\n{stdout}");
        Assert.Equal($"plmkit: error: {(command == "run" ? "out" : "--out")}: '{taken}' is a file; give a folder", err.Trim());
        Assert.Equal("keep me\n", File.ReadAllText(taken));
        Assert.False(Directory.Exists(_tmp.Sub("store")), $"{command}: the store was created before the check");
    }

    [Fact]
    public void AFileNameThatDoesNotExistYetIsRefusedWhereTheCommandWritesSeveralFiles()
    {
        var ex = Assert.Throws<ConfigurationException>(() => OutputFolder.Check("results.csv", "--out", ".csv"));
        Assert.Equal("--out: 'results.csv' looks like a file name; give a folder", ex.Message);
        OutputFolder.Check(_tmp.Sub("results"), "--out", ".csv");     // a new folder is fine
        OutputFolder.Check(_tmp.Path);                                  // and an existing one
    }
}
