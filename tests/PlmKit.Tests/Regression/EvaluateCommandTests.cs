using System.Globalization;
using PlmKit.Tests.Data;

namespace PlmKit.Tests.Regression;

/// <summary><c>plmkit evaluate</c> end to end: study numbers from the CLI, id joins, and a catalogue of bad inputs.</summary>
public class EvaluateCommandTests
{
    private static string If1 => Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv");

    private static List<string[]> ReadCsv(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();

    private static double Num(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void PaperProtocolReproducesTheStudyFromItsOwnInputs()
    {
        using var tmp = new TempDir();
        var outDir = tmp.Sub("out");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", If1, "--features", "onehot", "--protocol", "paper", "--out", outDir);
        Assert.True(code == 0, err);
        var rows = ReadCsv(Path.Combine(outDir, "results.csv"));
        Assert.Equal(string.Join(',', PlmKit.Regression.ResultRow.Columns), string.Join(',', rows[0]));
        var expected = GoldenLasso.Csv("IF1_ECOLI", "onehot", "study");
        Assert.Equal(6, rows.Count);
        for (var k = 0; k < 5; k++)
        {
            var r = rows[k + 1];
            Assert.Equal("IF1_ECOLI", r[0]);
            Assert.Equal((k + 1).ToString(CultureInfo.InvariantCulture), r[3]);
            Assert.Equal(expected[k]["r2_test"], Num(r[7]), 1e-8);
            Assert.Equal(expected[k]["r2_train"], Num(r[4]), 1e-8);
            Assert.Equal(expected[k]["alpha_"], Num(r[14]), 1e-12);
            Assert.Equal(expected[k]["n_train"], Num(r[15]));
            if (double.IsNaN(expected[k]["spearman_test"])) Assert.Equal("", r[11]);
            Assert.Equal("", r[13]); // one-hot features have no layer
            Assert.Equal(["lasso", "paper"], r[19..21]);
            Assert.Equal(Math.Pow(Num(r[9]), 2), Num(r[22]), 1e-12); // MSE_score_test = RMSE²
        }
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evaluate.manifest.json")));
        Assert.Equal(Manifest.Schema, manifest.RootElement.GetProperty("schema").GetString());
        Assert.Equal(42, manifest.RootElement.GetProperty("seeds").GetProperty("folds").GetInt32());
        Assert.Equal("lasso", manifest.RootElement.GetProperty("config").GetProperty("regressor").GetString());
        Assert.Equal(FileHash.Sha256(If1), manifest.RootElement.GetProperty("inputs")[0].GetProperty("sha256").GetString());
        Assert.Equal("results.csv", manifest.RootElement.GetProperty("outputs")[0].GetProperty("path").GetString());
        Assert.Equal(["evaluate.manifest.json", "results.csv"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void FeatureCsvIsJoinedOnIdWhateverItsRowOrder()
    {
        using var tmp = new TempDir();
        var x = GoldenLasso.Features("IF1_ECOLI", "esm8Mshape");
        var ids = File.ReadAllLines(If1).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[1]).ToArray();
        // Reversed row order: the join must put every vector back on its id.
        var lines = new List<string> { "id," + string.Join(',', Enumerable.Range(0, x.ColumnCount)) };
        for (var i = ids.Length - 1; i >= 0; i--)
            lines.Add(ids[i] + "," + string.Join(',', x.Row(i).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        var features = tmp.Write("esm8M.csv", string.Join('\n', lines) + "\n");
        var outDir = tmp.Sub("r");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", If1, "--features", features, "--protocol", "default", "--out", outDir);
        Assert.True(code == 0, err);
        var rows = ReadCsv(Path.Combine(outDir, "results.csv"));
        var expected = GoldenLasso.Csv("IF1_ECOLI", "esm8Mshape", "leakage_free");
        for (var k = 0; k < 5; k++)
        {
            Assert.Equal(expected[k]["r2_test"], Num(rows[k + 1][7]), 1e-8);
            Assert.Equal(expected[k]["n_nonzero"], Num(rows[k + 1][12]));
        }
    }

    [Fact]
    public void ExplicitFoldFileAndSiteGroupsAndLearningCurveRun()
    {
        using var tmp = new TempDir();
        var data = tmp.Write("small.csv", string.Join('\n', File.ReadAllLines(If1).Take(121)) + "\n");
        var ids = File.ReadAllLines(data).Skip(1).Select(l => l.Split(',')[1]).ToArray();
        var folds = tmp.Write("folds.csv", "id,fold\n" + string.Join('\n', ids.Select((id, i) => $"{id},{i % 3 + 1}")) + "\n");

        var out1 = tmp.Sub("a");
        var (c1, _, e1) = CliRunner.Run("evaluate", "--input", data, "--features", "composition", "--protocol", "default", "--folds", folds, "--regressor", "ridge", "--out", out1);
        Assert.True(c1 == 0, e1);
        var rows = ReadCsv(out1 = Path.Combine(out1, "results.csv"));
        Assert.Equal(4, rows.Count);
        Assert.Equal(["40", "40", "40"], rows.Skip(1).Select(r => r[16]));

        // The same folds from a column of the data file: same numbers (the dataset name is the file name).
        var withColumn = tmp.Write("small_folds.csv", string.Join('\n', File.ReadAllLines(data)
            .Select((l, i) => i == 0 ? l + ",fold_x" : $"{l},{(i - 1) % 3 + 1}")) + "\n");
        var outColumn = tmp.Sub("col");
        var (cc, _, ec) = CliRunner.Run("evaluate", "--input", withColumn, "--features", "composition", "--protocol", "default", "--folds", "fold_x", "--regressor", "ridge", "--out", outColumn);
        Assert.True(cc == 0, ec);
        Assert.Equal(File.ReadAllLines(out1).Select(l => string.Join(',', l.Split(',').Skip(1).Take(12))),
            File.ReadAllLines(Path.Combine(outColumn, "results.csv")).Select(l => string.Join(',', l.Split(',').Skip(1).Take(12))));

        var out2 = tmp.Sub("b");
        var (c2, _, e2) = CliRunner.Run("evaluate", "--input", data, "--features", "onehot", "--protocol", "paper", "--folds", "4", "--group-by-site", "--out", out2);
        Assert.True(c2 == 0, e2);
        Assert.Equal(5, ReadCsv(Path.Combine(out2, "results.csv")).Count);

        var out3 = tmp.Sub("c");
        var (c3, _, e3) = CliRunner.Run("evaluate", "--input", data, "--features", "onehot", "--protocol", "paper", "--train-sizes", "40,80", "--repeats", "2", "--regressor", "ridge", "--out", out3);
        Assert.True(c3 == 0, e3);
        var curve = ReadCsv(Path.Combine(out3, "results.csv"));
        Assert.Equal(1 + 2 * 2 * 5, curve.Count);
        Assert.Equal(["40", "80"], curve.Skip(1).Select(r => r[18]).Distinct());
    }

    public static TheoryData<string, string[]> BadInputs()
    {
        var d = new TheoryData<string, string[]>();
        void Add(string name, params string[] args) => d.Add(name, args);
        Add("no --input", "--features", "onehot", "--protocol", "paper");
        Add("no --features", "--input", "{data}", "--protocol", "paper");
        Add("no --protocol", "--input", "{data}", "--features", "onehot");
        Add("unknown protocol", "--input", "{data}", "--features", "onehot", "--protocol", "study");
        Add("unknown regressor", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--regressor", "svm");
        Add("unknown format", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--format", "xlsx");
        Add("data file missing", "--input", "{dir}/nope.csv", "--features", "onehot", "--protocol", "paper");
        Add("features path missing", "--input", "{data}", "--features", "{dir}/nope.csv", "--protocol", "paper");
        Add("one fold", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "1");
        Add("negative folds", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "-3");
        Add("fold column missing", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "fold_random_5");
        Add("fold file lacks ids", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_short}");
        Add("fold file lacks fold column", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_nocol}");
        Add("fold leaves too few training rows", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_lopsided}");
        Add("fold file with one label", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_one}");
        Add("negative seed", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--seed", "-1");
        Add("seed above 2^32", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--seed", "5000000000");
        Add("seed not a number", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--seed", "abc");
        Add("train size not a number", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--train-sizes", "10,abc");
        Add("train size zero", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--train-sizes", "0");
        Add("train size above rows", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--train-sizes", "100000");
        Add("train sizes with fold file", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_good}", "--train-sizes", "40");
        Add("zero repeats", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--train-sizes", "40", "--repeats", "0");
        Add("site groups with fold file", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_good}", "--group-by-site");
        Add("out is a file", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--out", "{data}");
        Add("out looks like a results file (the old --out FILE)", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--out", "{dir}/r.csv");
        Add("both --input and the old --data", "--input", "{data}", "--data", "{data}", "--features", "onehot", "--protocol", "paper");
        // Inert combinations: refused instead of silently ignored.
        Add("repeats without train sizes", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--repeats", "3");
        Add("seed with a fold file", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "{folds_good}", "--seed", "7");
        Add("seed with a fold column", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "fold_x", "--seed", "7");
        Add("seed with site groups", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "4", "--group-by-site", "--seed", "7");
        Add("site groups with a fold column", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--folds", "fold_x", "--group-by-site");
        Add("targets with a CSV input", "--input", "{data}", "--targets", "{folds_good}", "--features", "onehot", "--protocol", "paper");
        Add("targets with format swat", "--input", "{data}", "--format", "swat", "--targets", "{folds_good}", "--features", "onehot", "--protocol", "paper");
        Add("lasso tol with ridge", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--regressor", "ridge", "--lasso-tol", "0.001");
        Add("lasso cv with ridge", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--regressor", "ridge", "--lasso-cv", "3");
        Add("lasso tol zero", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-tol", "0");
        Add("lasso cv one", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-cv", "1");
        Add("lasso n_alphas zero", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-n-alphas", "0");
        Add("lasso eps above one", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-eps", "2");
        Add("lasso max_iter negative", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-max-iter", "-5");
        Add("lasso tol not a number", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--lasso-tol", "small");
        Add("layer with onehot", "--input", "{data}", "--features", "onehot", "--protocol", "paper", "--layers", "6");
        Add("feature cell not numeric", "--input", "{data}", "--features", "{feat_text}", "--protocol", "paper");
        Add("feature id repeated", "--input", "{data}", "--features", "{feat_dup}", "--protocol", "paper");
        Add("feature ids missing", "--input", "{data}", "--features", "{feat_short}", "--protocol", "paper");
        Add("embed dir without the layer", "--input", "{data}", "--features", "{embed}", "--layers", "9", "--pool", "mean", "--protocol", "paper");
        Add("target not a number", "--input", "{data_badtarget}", "--features", "onehot", "--protocol", "paper");
        Add("too few rows", "--input", "{data_tiny}", "--features", "onehot", "--protocol", "paper");
        return d;
    }

    [Fact]
    public void DropInvalidLeavesOutABadRowListsItAndFitsTheRest()
    {
        using var tmp = new TempDir();
        var lines = File.ReadAllLines(If1).Take(61).ToArray();
        // Line 6 of the file (header = line 1) gets a target that is not a number.
        var data = tmp.Write("bad.csv", string.Join('\n', lines.Select((l, i) => i == 5 ? WithTarget(l, "abc") : l)) + "\n");
        var badId = lines[5].Split(',')[1];
        var outDir = tmp.Sub("out");
        var outPath = Path.Combine(outDir, "results.csv");
        string[] args = ["evaluate", "--input", data, "--features", "onehot", "--protocol", "paper", "--out", outDir];

        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith($"plmkit: error: {data}:6: ", err);
        Assert.False(Directory.Exists(outDir));

        (code, var stdout, err) = CliRunner.Run([.. args, "--drop-invalid"]);
        Assert.True(code == 0, err);
        var outLines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("dropped 1 invalid row(s) (--drop-invalid):", outLines[0]);
        Assert.StartsWith($"  {data}:6: ", outLines[1]);
        Assert.Contains("abc", outLines[1]);
        var rows = ReadCsv(outPath);
        Assert.Equal(6, rows.Count);
        // 59 rows remain; 5 shuffled folds train on 47 or 48 of them.
        Assert.All(rows.Skip(1), r => Assert.InRange(Num(r[15]), 47, 48));
        Assert.Equal(59, rows.Skip(1).Sum(r => (int)Num(r[16])));

        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evaluate.manifest.json")));
        Assert.Equal(59, manifest.RootElement.GetProperty("rows").GetInt32());
        var dropped = Assert.Single(manifest.RootElement.GetProperty("dropped_rows").EnumerateArray());
        Assert.Equal(6, dropped.GetProperty("line").GetInt32());
        Assert.Equal(data, dropped.GetProperty("file").GetString());
        Assert.Equal(badId, dropped.GetProperty("id").GetString());
    }

    private static string WithTarget(string line, string target)
    {
        var cells = line.Split(',');
        cells[3] = target;
        return string.Join(',', cells);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputGivesOneLineExitTwoAndNoOutput(string name, string[] template)
    {
        using var tmp = new TempDir();
        var lines = File.ReadAllLines(If1).Take(61).ToArray();
        var ids = lines.Skip(1).Select(l => l.Split(',')[1]).ToArray();
        var files = new Dictionary<string, string>
        {
            ["{dir}"] = tmp.Path,
            ["{data}"] = tmp.Write("data.csv", string.Join('\n', lines) + "\n"),
            ["{data_tiny}"] = tmp.Write("tiny.csv", string.Join('\n', lines.Take(8)) + "\n"),
            ["{data_badtarget}"] = tmp.Write("bad.csv", string.Join('\n', lines.Select((l, i) => i == 5 ? WithTarget(l, "abc") : l)) + "\n"),
            ["{folds_good}"] = tmp.Write("folds.csv", "id,fold\n" + string.Join('\n', ids.Select((id, i) => $"{id},{i % 3}")) + "\n"),
            ["{folds_short}"] = tmp.Write("folds_short.csv", "id,fold\n" + string.Join('\n', ids.Skip(1).Select((id, i) => $"{id},{i % 3}")) + "\n"),
            ["{folds_nocol}"] = tmp.Write("folds_nocol.csv", "id,split\n" + string.Join('\n', ids.Select((id, i) => $"{id},{i % 3}")) + "\n"),
            ["{folds_lopsided}"] = tmp.Write("folds_lopsided.csv", "id,fold\n" + string.Join('\n', ids.Select((id, i) => $"{id},{(i < 55 ? 1 : 2)}")) + "\n"),
            ["{folds_one}"] = tmp.Write("folds_one.csv", "id,fold\n" + string.Join('\n', ids.Select(id => $"{id},1")) + "\n"),
            ["{feat_text}"] = tmp.Write("feat_text.csv", "id,a,b\n" + string.Join('\n', ids.Select((id, i) => i == 7 ? $"{id},1,high" : $"{id},1,{i}")) + "\n"),
            ["{feat_dup}"] = tmp.Write("feat_dup.csv", "id,a,b\n" + string.Join('\n', ids.Append(ids[3]).Select((id, i) => $"{id},1,{i}")) + "\n"),
            ["{feat_short}"] = tmp.Write("feat_short.csv", "id,a,b\n" + string.Join('\n', ids.Take(30).Select((id, i) => $"{id},1,{i}")) + "\n"),
        };
        var embed = Directory.CreateDirectory(tmp.Sub("embed")).FullName;
        File.WriteAllText(Path.Combine(embed, "layer6.mean.csv"), "id,0,1\n" + string.Join('\n', ids.Select((id, i) => $"{id},{i},1")) + "\n");
        files["{embed}"] = embed;

        var args = template.Select(a => files.Aggregate(a, (s, kv) => s.Replace(kv.Key, kv.Value))).ToList();
        if (!args.Contains("--out")) args.AddRange(["--out", tmp.Sub("out")]);
        var before = Directory.GetFiles(tmp.Path, "*", SearchOption.AllDirectories).ToHashSet();

        var (code, _, err) = CliRunner.Run(["evaluate", .. args]);

        Assert.True(code == 2, $"{name}: exit {code}, stderr: {err}");
        var errLines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errLines);
        Assert.StartsWith("plmkit: error: ", errLines[0]);
        Assert.DoesNotContain("   at ", err);
        var after = Directory.GetFiles(tmp.Path, "*", SearchOption.AllDirectories).ToHashSet();
        Assert.True(after.SetEquals(before), $"{name}: files appeared: {string.Join(", ", after.Except(before))}");
    }
}
