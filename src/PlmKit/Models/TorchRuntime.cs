using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace PlmKit.Models;

/// <summary>
/// Makes sure TorchSharp's native library is loaded before the first tensor is made, and
/// chooses the compute device. Call <see cref="EnsureLoaded"/> once from any entry point
/// (the embedder does it for you).
/// </summary>
/// <remarks>
/// In a normal build TorchSharp finds <c>libLibTorchSharp.so</c> itself. Inside notebook
/// kernels (.NET Interactive, dotnet-repl) its loader looks in the wrong folder and fails, so we
/// load the library by full path first; once loaded, the runtime's own lookups find it by name.
/// On Debian 12 the library must first be patched by <c>environment/fix-torchsharp-natives.sh</c>
/// (it needs a newer libstdc++ than the system has); a failure names that script.
/// </remarks>
public static class TorchRuntime
{
    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native library once per process. Returns the path it came from, or "(default)".</summary>
    /// <exception cref="PlmKitException">The native library cannot be loaded.</exception>
    public static string EnsureLoaded() => Loaded.Value;

    /// <summary>
    /// Resolves a device request: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c> or
    /// <c>cuda</c> / <c>cuda:N</c>.
    /// </summary>
    /// <exception cref="ConfigurationException">Unknown name, or CUDA asked for but not available.</exception>
    public static torch.Device ResolveDevice(string request)
    {
        EnsureLoaded();
        var r = request.Trim().ToLowerInvariant();
        if (r == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (r == "cpu") return torch.CPU;
        if (r == "cuda" || r.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ConfigurationException(
                    $"device '{request}' asked for, but CUDA is not available: PlmKit was built with the CPU backend " +
                    "(rebuild with -p:PlmKitTorchBackend=cuda on a machine with an NVIDIA driver) or no GPU is visible.");
            return new torch.Device(r);
        }
        throw new ConfigurationException($"unknown device '{request}': use auto, cpu or cuda[:N].");
    }

    private static string Load()
    {
        RequestReproducibleMkl();
        string? loadedFrom = null;
        if (OperatingSystem.IsLinux())
        {
            foreach (var candidate in Candidates())
            {
                if (!File.Exists(candidate)) continue;
                if (NativeLibrary.TryLoad(candidate, out _)) { loadedFrom = candidate; break; }
            }
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is not PlmKitException)
        {
            throw new PlmKitException(
                "TorchSharp's native library could not be loaded" +
                (OperatingSystem.IsLinux() ? " (on Debian 12 and other systems with libstdc++ older than GCC 13, run environment/fix-torchsharp-natives.sh, then rebuild)" : "") +
                $": {e.Message}", e);
        }
        return loadedFrom ?? "(default)";
    }

    /// <summary>
    /// libtorch's CPU BLAS (Intel MKL) picks code paths at run time, and without a
    /// reproducibility mode the same float64 product can differ in the last bits from one run to
    /// the next (seen here: LassoCV's Gram matrices, hence R² at 1e-15). MKL_CBWR=AUTO keeps its
    /// fastest path for this CPU but fixes it, so results are deterministic. MKL reads the variable
    /// from the native environment at its first call, which .NET's SetEnvironmentVariable does not
    /// change on Unix, hence setenv. A value the user set is kept.
    /// </summary>
    private static void RequestReproducibleMkl()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MKL_CBWR") is { Length: > 0 }) return;
        Environment.SetEnvironmentVariable("MKL_CBWR", "AUTO");
        _ = SetEnv("MKL_CBWR", "AUTO", 0);
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    private static IEnumerable<string> Candidates()
    {
        const string name = "libLibTorchSharp.so";
        var dirs = new List<string> { AppContext.BaseDirectory };
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        var ownDir = Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location);
        foreach (var d in new[] { ownDir, torchDir })
            if (!string.IsNullOrEmpty(d)) dirs.Add(d);
        foreach (var d in dirs)
        {
            yield return Path.Combine(d, "runtimes", "linux-x64", "native", name);
            yield return Path.Combine(d, name);
            yield return Path.Combine(d, "cpu", name);
        }
        var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
            .InformationalVersion.Split('+')[0];
        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (version is not null)
        {
            yield return Path.Combine(nugetRoot, "torchsharp", version, "runtimes", "linux-x64", "native", name);
            yield return Path.Combine(nugetRoot, "torchsharp", version, "lib", "net8.0", "cpu", name);
        }
    }
}
