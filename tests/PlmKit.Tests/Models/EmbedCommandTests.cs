using System.Globalization;
using System.Text.Json;

namespace PlmKit.Tests.Models;

/// <summary><c>plmkit embed</c> in-process: outputs against fair-esm, and bad input as one line with exit code 2.</summary>
public sealed class EmbedCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Dictionary<string, float[]> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.StartsWith("id,c0,c1,", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => f.Skip(1).Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public void WritesOneCsvPerLayerAndPoolInInputOrderMatchingFairEsm()
    {
        var outDir = _tmp.Sub("out");
        var (code, stdout, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", Golden.Fasta, "--layers", "all",
            "--pool", "mean,bos", "--out", outDir, "--long", "truncate", "--device", "cpu", "--threads", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("embedded 12 sequences", stdout);
        var expected = Golden.Expected("tiny");
        foreach (int k in new[] { 0, 1, 2 })
            foreach (var pool in new[] { "mean", "bos" })
            {
                var path = Path.Combine(outDir, $"layer{k}.{pool}.csv");
                var ids = File.ReadLines(path).Skip(1).Select(l => l[..l.IndexOf(',')]).ToList();
                Assert.Equal(Golden.Sequences.Select(s => s.Id), ids);
                foreach (var (id, vector) in ReadCsv(path))
                    Assert.True(Golden.MaxAbsDiff(vector, expected[$"{id}.{pool}.layer{k}"]) < Golden.Atol, $"{id} {pool} {k}");
            }
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "embed.manifest.json")));
        var brca = manifest.RootElement.GetProperty("sequences").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "BRCA1_HUMAN_RING");
        Assert.Equal("truncated", brca.GetProperty("handling").GetString());
        Assert.Equal("plmkit.manifest/1", manifest.RootElement.GetProperty("schema").GetString());
        Assert.Equal(64, manifest.RootElement.GetProperty("config").GetProperty("weights_sha256").GetString()!.Length);
        Assert.Empty(Directory.GetDirectories(outDir));
    }

    [Fact]
    public void CsvInputGivesTheSameFilesAsFasta()
    {
        string a = _tmp.Sub("a"), b = _tmp.Sub("b");
        var common = new[] { "--model", Path.Combine(Golden.TinyFolder, "esm2_t2_32_tiny.pt"), "--pool", "mean", "--long", "windows", "--device", "cpu" };
        Assert.Equal(0, CliRunner.Run(["embed", "--input", Golden.Fasta, "--out", a, .. common]).Code);
        Assert.Equal(0, CliRunner.Run(["embed", "--input", Path.Combine(SharedData.Golden, "sequences.csv"), "--out", b, .. common]).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(a, "layer2.mean.csv")), File.ReadAllText(Path.Combine(b, "layer2.mean.csv")));
    }

    [Fact]
    public void PerTokenRowsAreResidues()
    {
        var input = _tmp.Sub("two.fasta");
        File.WriteAllText(input, ">short5\nMKTAY\n>IF1\n" + Golden.Sequences.Single(s => s.Id == "IF1_ECOLI").Sequence + "\n");
        var outDir = _tmp.Sub("pt");
        var (code, _, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", input, "--layers", "-1", "--pool", "mean", "--out", outDir, "--per-token", "--device", "cpu");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(Path.Combine(outDir, "layer2.per_token.csv"));
        Assert.Equal(1 + 5 + 72, lines.Length);
        var row = lines.Skip(1).Single(l => l.StartsWith("short5,3,T,", StringComparison.Ordinal)).Split(',').Skip(3).Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var expected = Golden.Expected("tiny")["short5.layer2"][2];
        Assert.True(Golden.MaxAbsDiff(row, expected) < Golden.Atol);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["--input", "missing.fasta"], "missing.fasta: file not found" },
        { ["--pool", "median"], "unknown pooling 'median'" },
        { ["--layers", "5"], "--layers: 5 is out of range for a 2-layer model" },
        { ["--dtype", "fp16"], "--dtype: 'fp16' is not fp32 or bf16" },
        { ["--long", "skip"], "--long: 'skip' is not error, truncate or windows" },
        { ["--max-tokens", "0"], "--max-tokens must be positive" },
        { ["--threads", "0"], "--threads must be at least 1" },
        { ["--device", "tpu"], "unknown device 'tpu'" },
        { ["--model", "esm9_nothing"], "'esm9_nothing' is neither a file or folder nor a known model" },
        { ["--max-tokens", "many"], "many" },
        { ["--max-memory", "8 parsecs"], "--max-memory: '8 parsecs' is not a memory size" },
        { ["--max-memory", "0GB"], "--max-memory: '0GB' is not a memory size" },
        { ["--max-memory", "1MB"], "--max-memory (1 MB) is below what layer streaming needs for one batch" },
        { ["--max-memory", "8GB", "--adapter", "fold1.safetensors"], "--max-memory does not combine with --adapter" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadOptionsExitWithCode2AndOneLine(string[] overrides, string message)
    {
        var args = new Dictionary<string, string> { ["--model"] = Golden.TinyFolder, ["--input"] = Golden.Fasta, ["--out"] = _tmp.Sub("out"), ["--long"] = "truncate", ["--device"] = "cpu" };
        for (int i = 0; i < overrides.Length; i += 2) args[overrides[i]] = overrides[i + 1];
        var (code, _, stderr) = CliRunner.Run(["embed", .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.Equal(2, code);
        Assert.StartsWith("plmkit: error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(_tmp.Sub("out")) && Directory.EnumerateFileSystemEntries(_tmp.Sub("out")).Any());
    }

    [Theory]
    [InlineData(">a\nMKTAY\n>b\nMKtay\n", ":4: record 'b': lower-case letter 't' at position 3")]
    [InlineData(">a\nMK-AY\n", ":2: record 'a': letter '-' at position 3 is not an amino acid")]
    [InlineData("MKTAY\n", ":1: sequence text before the first '>' header")]
    [InlineData(">a\nMKT\n>a\nMKT\n", ":3: duplicate id 'a' (first at line 1)")]
    [InlineData(">a\n>b\nMKT\n", ":1: record 'a' has no sequence")]
    [InlineData(">long\n" + "MKTAYIAKQR" + "MKTAYIAKQR", "")]
    public void BadSequencesExitWithCode2AndWriteNothing(string fasta, string message)
    {
        var input = _tmp.Sub("bad.fasta");
        File.WriteAllText(input, fasta.Replace("MKTAYIAKQRMKTAYIAKQR", string.Concat(Enumerable.Repeat("MKTAYIAKQR", 103))));
        var outDir = _tmp.Sub("out");
        var (code, _, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", input, "--out", outDir, "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains(message.Length > 0 ? message : "1 sequence is longer than 1022 residues ('long' 1030)", stderr);
        Assert.Contains("bad.fasta", stderr);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any());
    }

    [Fact]
    public void DamagedModelExitsWithCode2()
    {
        var model = _tmp.Sub("esm2_cut.pt");
        var bytes = File.ReadAllBytes(Golden.TinyPt);
        File.WriteAllBytes(model, bytes[..1000]);
        var (code, _, stderr) = CliRunner.Run("embed", "--model", model, "--input", Golden.Fasta, "--out", _tmp.Sub("out"), "--long", "truncate");
        Assert.Equal(2, code);
        Assert.Contains("esm2_cut.pt: cannot read as a PyTorch checkpoint", stderr);
    }
}
