// C# side of the LassoCV benchmark: the same matrices (make_data.py), the same outer fold
// (fold 1 of KFold(5, shuffle=True, random_state=42)) and the study's LassoCV settings as
// sklearn_bench.py; one JSON line per matrix. Usage: LassoBench DATADIR [repeats] [name,...]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Regression;

var dir = args[0];
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
var only = args.Length > 2 && args[2] != "all" ? args[2].Split(',').ToHashSet() : null;
// "plain-refit": refit by plain CD on X as scikit-learn does (LassoCVOptions.RefitWithGram = false);
// default: PlmKit's default, the refit on the Gram matrix.
var options = args.Length > 3 && args[3] == "plain-refit" ? LassoCVOptions.Study with { RefitWithGram = false } : LassoCVOptions.Study;
// Warm-up (JIT, libtorch load) outside the timings.
new LassoCV(options).Fit(Matrix<double>.Build.Dense(50, 60, (i, j) => Math.Sin(i * 7 + j * 3)), Enumerable.Range(0, 50).Select(i => Math.Cos(i)).ToArray());
new LassoCV(options).Fit(Matrix<double>.Build.Dense(100, 20, (i, j) => Math.Sin(i * 7 + j * 3)), Enumerable.Range(0, 100).Select(i => Math.Cos(i)).ToArray());
(int N, int P)[] sizes = [(1000, 320), (2000, 320), (5000, 320), (10000, 320), (1000, 1280), (2000, 1280), (5000, 1280), (10000, 1280)];
foreach (var (n, p) in sizes)
{
    var name = $"n{n}_p{p}";
    if (only is not null && !only.Contains(name)) continue;
    var xs = ReadDoubles(Path.Combine(dir, name + ".X.bin"));
    var y = ReadDoubles(Path.Combine(dir, name + ".y.bin"));
    var folds = OuterFolds.ShuffledKFold(n, 5, 42);
    int[] train = folds.TrainRows(0), test = folds.TestRows(0);
    var xTrain = Matrix<double>.Build.Dense(train.Length, p, (i, j) => xs[(long)train[i] * p + j]);
    var xTest = Matrix<double>.Build.Dense(test.Length, p, (i, j) => xs[(long)test[i] * p + j]);
    var yTrain = train.Select(i => y[i]).ToArray();
    var yTest = test.Select(i => y[i]).ToArray();
    LassoCVFit? fit = null;
    double best = double.MaxValue, bestCpu = double.MaxValue;
    var process = Process.GetCurrentProcess();
    for (var r = 0; r < repeats; r++)
    {
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        fit = new LassoCV(options).Fit(xTrain, yTrain);
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
        process.Refresh();
        bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu0).TotalSeconds);
    }
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        side = options.RefitWithGram ? "plmkit" : "plmkit-plain-refit", name, n, p, seconds = best, cpu_seconds = bestCpu, alpha = fit!.Alpha, nonzero = fit.NonZeroCount,
        r2_test = Metrics.R2(yTest, fit.Predict(xTest)),
    }));
}

static double[] ReadDoubles(string path)
{
    var bytes = File.ReadAllBytes(path);
    var values = new double[bytes.Length / 8];
    Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
    return values;
}
