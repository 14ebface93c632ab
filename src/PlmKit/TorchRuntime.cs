using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using TorchSharp;

namespace PlmKit;

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
/// <para>On AMD CPUs it first loads the MKL dispatch library that script builds
/// (<c>environment/mkl-dispatch/mkl_dispatch.c</c>), so libtorch's MKL chooses its kernels by
/// instruction set rather than by CPU vendor: on an AVX-512 AMD EPYC this doubled the fp32
/// matmul rate (220 → 460 GFLOP/s on 2 cores) and made fp32 embedding 1.6× faster. Results
/// differ from MKL's AVX2 kernels only in float rounding. <c>PLMKIT_MKL_DISPATCH=vendor</c>
/// keeps MKL's own choice; <see cref="MklDispatch"/> says which applies.</para>
/// <para>It also tells glibc's malloc, which libtorch's CPU allocator uses, to keep freed memory
/// instead of returning each large block to the system: by default every tensor above 32 MiB (and,
/// until the threshold adapts, above 128 KiB) is a fresh mapping, so each layer's activations
/// page-fault and are zeroed again, about 4% of the 8M model's embedding time and more for wider
/// models. Memory then stays at its peak until the process ends. Left alone when the user set
/// <c>MALLOC_*</c> variables or <c>GLIBC_TUNABLES</c>.</para>
/// <para>And it switches the .NET garbage collector to <see cref="GCLatencyMode.Batch"/> (no
/// background collections). TorchSharp turns every number passed to an operation
/// (<c>x.masked_fill(m, 0.0)</c>, <c>x * 0.5</c>, and internally <c>add_</c>'s alpha) into a
/// <c>Scalar</c> object whose native memory its finalizer frees, and nothing keeps that object
/// alive while the native call runs (dotnet/TorchSharp pull requests 1434 and 1496, open). A
/// background collection runs concurrently with that call, finds the object dead and frees the
/// scalar under libtorch: here it failed 5 of 5 repeated embedding runs with
/// "Unknown scalar type" or an abort, and 0 of 5 in batch mode. PlmKit's executables also turn
/// concurrent collection off in their configuration. A blocking collection started by another
/// thread (a notebook kernel, parallel tests) can still free such a Scalar, so the ESM forward
/// pass passes libtorch only Scalars it holds (see <see cref="Models.Esm.EsmModel"/>).</para>
/// </remarks>
public static class TorchRuntime
{
    private static readonly Lazy<string> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Environment variable: <c>vendor</c> keeps MKL's vendor-based kernel choice on AMD CPUs.</summary>
    public const string MklDispatchVariable = "PLMKIT_MKL_DISPATCH";

    /// <summary>File name of the MKL dispatch library built by <c>environment/fix-torchsharp-natives.sh</c>.</summary>
    public const string MklDispatchLibrary = "libplmkit_mkl_dispatch.so";

    private static readonly Lazy<string> MklDispatchMode = new(ApplyMklDispatch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// How libtorch's MKL chooses its CPU kernels in this process, for run manifests:
    /// <c>instruction-set</c> (the dispatch library is loaded; AMD CPU), <c>vendor</c> (MKL's own
    /// choice: not an AMD CPU, opted out, or the library was not built), or <c>none</c> (not x86-64 Linux).
    /// </summary>
    public static string MklDispatch
    {
        get { EnsureLoaded(); return MklDispatchMode.Value; }
    }

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
        KeepFreedMemory();
        if (GCSettings.LatencyMode is GCLatencyMode.Interactive or GCLatencyMode.SustainedLowLatency)
            GCSettings.LatencyMode = GCLatencyMode.Batch;
        _ = MklDispatchMode.Value;   // must precede libtorch: MKL binds the symbol at its first call
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

    // Loaded with RTLD_GLOBAL so its mkl_serv_intel_cpu_true comes before libtorch_cpu.so's own
    // in symbol lookup (NativeLibrary.Load loads with local scope, which would not interpose).
    private static string ApplyMklDispatch()
    {
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.X86Base.IsSupported) return "none";
        if (!IsAmdCpu() || string.Equals(Environment.GetEnvironmentVariable(MklDispatchVariable), "vendor", StringComparison.OrdinalIgnoreCase))
            return "vendor";
        var library = Path.Combine(NativeDirectory(), MklDispatchLibrary);
        return File.Exists(library) && DlOpen(library, RtldNow | RtldGlobal) != IntPtr.Zero ? "instruction-set" : "vendor";
    }

    private static bool IsAmdCpu()
    {
        var (_, ebx, ecx, edx) = System.Runtime.Intrinsics.X86.X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(vendor) == "AuthenticAMD";
    }

    /// <summary>Where <c>environment/fix-torchsharp-natives.sh</c> puts its libraries (same rule as the script).</summary>
    internal static string NativeDirectory()
    {
        if (Environment.GetEnvironmentVariable("PLMKIT_NATIVE_DIR") is { Length: > 0 } dir) return dir;
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(dataHome, "plmkit", "native");
    }

    private const int RtldNow = 0x2, RtldGlobal = 0x100;

    private static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string name && (name.StartsWith("MALLOC_", StringComparison.Ordinal) || name == "GLIBC_TUNABLES")) return;
        try
        {
            // No mmap-backed blocks, and no trimming of the heap top below 2 GiB free.
            _ = MallOpt(MallocMmapMax, 0);
            _ = MallOpt(MallocTrimThreshold, int.MaxValue);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt): nothing to tune.
        }
    }

    private const int MallocTrimThreshold = -1, MallocMmapMax = -4;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen(string file, int mode);

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
