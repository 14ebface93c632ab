using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;

namespace PlmKit.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        TorchRuntime.EnsureLoaded();
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = torch.matmul(a, b);
        Assert.Equal(4f, c[0, 0].item<float>());
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("auto")]
    [InlineData(" CPU ")]
    public void CpuDeviceResolves(string request)
    {
        if (request == "auto" && torch.cuda.is_available()) return;
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice(request).type);
    }

    [Fact]
    public void UnknownDeviceIsAClearError()
    {
        var e = Assert.Throws<ConfigurationException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("unknown device 'tpu'", e.Message);
    }
}

/// <summary>
/// The MKL dispatch library (environment/mkl-dispatch): loaded on AMD CPUs when built, never when
/// opted out, and the model's outputs under it still match fair-esm (the golden tests run under
/// whatever this process chose). Each case is a fresh <c>plmkit version</c> process, since the
/// choice is made once, before libtorch loads.
/// </summary>
public class MklDispatchTests
{
    private static string Run(string? dispatch)
    {
        string output = CliProcess.Run(new Dictionary<string, string?> { [TorchRuntime.MklDispatchVariable] = dispatch }, "version");
        var line = output.Split('\n').Single(l => l.StartsWith("MKL kernel choice: ", StringComparison.Ordinal));
        return line["MKL kernel choice: ".Length..].Trim();
    }

    private static bool IsAmd() => File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("vendor_id") && l.Contains("AuthenticAMD"));

    [Fact]
    public void OptingOutKeepsMklsOwnChoice()
    {
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;
        Assert.Equal("vendor", Run("vendor"));
    }

    [Fact]
    public void AmdCpusGetInstructionSetDispatchWhenTheLibraryIsBuilt()
    {
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;
        bool built = File.Exists(Path.Combine(TorchRuntime.NativeDirectory(), TorchRuntime.MklDispatchLibrary));
        Assert.Equal(IsAmd() && built ? "instruction-set" : "vendor", Run(null));
        Assert.Equal(TorchRuntime.MklDispatch, Run(null));
    }
}

/// <summary>
/// TorchSharp's temporary Scalars are freed by their finalizers; a background GC running during
/// the native call that uses one freed it under libtorch ("Unknown scalar type", aborts) in most
/// repeated embedding runs. Two fixes stand in its way: TorchRuntime's batch-mode GC, and a
/// forward pass that holds its Scalars (<see cref="PlmKit.Tests.Models.ScalarLifetimeTests"/>).
/// Before either, this test failed (exit 134); it now guards the behaviour both give.
/// </summary>
public class GarbageCollectorTests
{
    [Fact]
    public void EmbeddingSurvivesWithConcurrentCollectionEnabledByTheHost()
    {
        using var dir = new TempDir();
        // 192 variants of a real assay: 14 full batches, enough garbage for several gen-2 collections.
        var rows = File.ReadLines(Path.Combine(SharedData.Swat, "dms", "BLAT_ECOLX_Ranganathan2015.csv")).Skip(1).Take(192)
            .Select(line => line.Split(',')).ToList();
        var fasta = Path.Combine(dir.Path, "blat.fasta");
        File.WriteAllLines(fasta, rows.SelectMany(r => new[] { ">" + r[1], r[^1] }));
        // What a host without PlmKit's runtime configuration would run with.
        var concurrent = new Dictionary<string, string?> { ["DOTNET_gcConcurrent"] = "1" };
        for (int run = 0; run < 2; run++)
        {
            var outDir = Path.Combine(dir.Path, $"out{run}");
            CliProcess.Run(concurrent, "embed", "--model", Path.Combine(SharedData.Golden, "esm2_8M_shape"),
                "--input", fasta, "--layers", "-1", "--pool", "mean", "--out", outDir, "--device", "cpu");
            Assert.Equal(193, File.ReadLines(Path.Combine(outDir, "layer6.mean.csv")).Count());
        }
    }
}
