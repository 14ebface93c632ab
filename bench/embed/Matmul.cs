// TorchSharp (libtorch 2.10, PlmKit's backend) fp32 1024^3 matmul rate: dotnet run Matmul.cs <threads>
// Prints GFLOP per wall second and GFLOP per CPU second.
#:project ../../src/PlmKit/PlmKit.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
using System.Diagnostics;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.EnsureLoaded();
torch.set_num_threads(args.Length > 0 ? int.Parse(args[0]) : 2);
using var a = randn(1024, 1024);
using var b = randn(1024, 1024);
for (int i = 0; i < 3; i++) matmul(a, b).Dispose();
const int n = 20;
var process = Process.GetCurrentProcess();
var cpu = process.TotalProcessorTime;
var watch = Stopwatch.StartNew();
for (int i = 0; i < n; i++) matmul(a, b).Dispose();
double wall = watch.Elapsed.TotalSeconds;
process.Refresh();
double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
// GFLOP per wall second, and per CPU second (robust to other processes sharing the cores).
Console.WriteLine($"{2.0 * 1024 * 1024 * 1024 * n / wall / 1e9:F1} {2.0 * 1024 * 1024 * 1024 * n / cpuSeconds / 1e9:F1}");
