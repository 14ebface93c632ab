// Times every study compression on one protein's per-residue states (L = 1022) and writes the
// input matrices so bench/pooling/study_bench.py can time the study's Python code on the same data.
// Usage: dotnet run -c Release --project bench/pooling/PoolingBench -- [--repeat N] [--out DIR] [--with-15b-width]
// --crosscheck: no timing; compare with bench/pooling/crosscheck_ref.py's outputs in DIR instead.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using PlmKit.Embeddings;

int repeat = 5;
bool with15b = false;
bool crosscheck = false;
string outDir = Path.Combine(Path.GetTempPath(), "plmkit-pooling-bench");
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--repeat") repeat = int.Parse(args[++i]);
    else if (args[i] == "--out") outDir = args[++i];
    else if (args[i] == "--with-15b-width") with15b = true;
    else if (args[i] == "--crosscheck") crosscheck = true;
    else { Console.Error.WriteLine($"unknown argument {args[i]}"); return 2; }
}
Directory.CreateDirectory(outDir);

string golden = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared/golden/expected/esm2_8M_shape.safetensors"));
if (Environment.GetEnvironmentVariable("PLMKIT_SHARED") is { Length: > 0 } shared)
    golden = Path.Combine(shared, "golden/expected/esm2_8M_shape.safetensors");
var states320 = ReadF32(golden, "rand1023.layer6", out int length);
var inputs = new List<(string Name, float[] Values, int Hidden)>
{
    ("golden_rand1023_D320", states320, 320),
    // A 1280-wide input with the spectrum of real states: the golden states through a fixed
    // random 320 -> 1280 projection plus a little noise (no 650M weights here).
    ("lifted_D1280", Lift(states320, length, 320, 1280, seed: 1), 1280),
    // Worst case for the Lanczos iteration: i.i.d. Gaussian states (flat spectrum).
    ("gaussian_D1280", Gaussian(length * 1280, seed: 2), 1280),
};
// ESM-2 15B's width: the D x D kernel alone is 210 MB; optional because it takes a while.
if (with15b) inputs.Add(("gaussian_D5120", Gaussian(length * 5120, seed: 3), 5120));

if (crosscheck)
{
    // Compare with crosscheck_ref.py's outputs of the study's code on the same inputs.
    foreach (var (name, values, hidden) in inputs)
    {
        var states = new ResidueStates(values, length, hidden, new float[hidden]);
        foreach (var (label, methods, file) in new[]
        {
            ("pca1-2 vs exact PCA", new[] { "pca1-2" }, "pca_exact"),
            ("rbf1, rbf2 vs study", new[] { "rbf1", "rbf2" }, "rbf"),
            ("sigmoid1, sigmoid2 vs study", new[] { "sigmoid1", "sigmoid2" }, "sigmoid"),
        })
        {
            var reference = ReadRaw(Path.Combine(outDir, $"{name}.{file}.f32"));
            var ours = methods.SelectMany(m => Poolings.Create(m).Pool(states)).ToArray();
            double worst = ours.Select((v, i) => Math.Abs((double)v - reference[i])).Max();
            Console.WriteLine($"{name,-22} {label,-28} max abs diff {worst:g3} (max |ref| {reference.Max(Math.Abs):g3})");
        }
    }
    return 0;
}

var results = new List<object>();
Console.WriteLine($"L = {length}, {repeat} repeats; cpu = the process's CPU time, all threads (robust on a shared machine)");
Console.WriteLine($"{"input",-22} {"method",-9} {"wall_median",12} {"cpu_median",11} {"cpu_min",8}  (ms)");
foreach (var (name, values, hidden) in inputs)
{
    File.WriteAllBytes(Path.Combine(outDir, name + ".f32"), values.SelectMany(BitConverter.GetBytes).ToArray());
    var states = new ResidueStates(values, length, hidden, new float[hidden]);
    foreach (var method in Poolings.Names)
    {
        var pooling = Poolings.Create(method);
        try { pooling.OutputLength(hidden); }
        catch (PlmKit.ConfigurationException) { continue; }
        pooling.Pool(states); // warm-up (JIT)
        var wall = new double[repeat];
        var cpu = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            double cpu0 = ProcessCpuMs();
            var sw = Stopwatch.StartNew();
            pooling.Pool(states);
            wall[r] = sw.Elapsed.TotalMilliseconds;
            cpu[r] = ProcessCpuMs() - cpu0;
        }
        Array.Sort(wall);
        Array.Sort(cpu);
        Console.WriteLine($"{name,-22} {method,-9} {wall[repeat / 2],12:F2} {cpu[repeat / 2],11:F2} {cpu[0],8:F2}");
        results.Add(new { input = name, length, hidden, method, wall_median_ms = wall[repeat / 2], cpu_median_ms = cpu[repeat / 2], cpu_min_ms = cpu[0] });
    }
}
File.WriteAllText(Path.Combine(outDir, "csharp.json"), JsonSerializer.Serialize(new
{
    inputs = inputs.Select(i => new { name = i.Name, file = i.Name + ".f32", length, hidden = i.Hidden }),
    repeat,
    results,
}, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"inputs and csharp.json written to {outDir}");
return 0;

// CLOCK_PROCESS_CPUTIME_ID (2 on Linux): nanosecond CPU time of all the process's threads.
static double ProcessCpuMs()
{
    clock_gettime(2, out var ts);
    return ts.Seconds * 1e3 + ts.Nanoseconds / 1e6;
}

[DllImport("libc", SetLastError = true)]
static extern int clock_gettime(int clock, out TimeSpec time);

static float[] ReadF32(string path, string key, out int rows)
{
    var bytes = File.ReadAllBytes(path);
    long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    using var json = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
    var entry = json.RootElement.GetProperty(key);
    rows = entry.GetProperty("shape")[0].GetInt32();
    long begin = entry.GetProperty("data_offsets")[0].GetInt64(), end = entry.GetProperty("data_offsets")[1].GetInt64();
    var values = new float[(end - begin) / 4];
    for (int i = 0; i < values.Length; i++)
        values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + begin + 4 * i), 4));
    return values;
}

static float[] ReadRaw(string path)
{
    var bytes = File.ReadAllBytes(path);
    var values = new float[bytes.Length / 4];
    Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
    return values;
}

static float[] Lift(float[] x, int rows, int from, int to, int seed)
{
    var projection = Gaussian(from * to, seed);
    var noise = Gaussian(rows * to, seed + 100);
    var y = new float[rows * to];
    double s = 1.0 / Math.Sqrt(from);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < to; j++)
        {
            double sum = 0;
            for (int k = 0; k < from; k++) sum += x[r * from + k] * projection[k * to + j];
            y[r * to + j] = (float)(sum * s + 0.05 * noise[r * to + j]);
        }
    return y;
}

static float[] Gaussian(int count, int seed)
{
    var random = new Random(seed);
    var v = new float[count];
    for (int i = 0; i < count; i++)
        v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
    return v;
}

[StructLayout(LayoutKind.Sequential)]
struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;
}
