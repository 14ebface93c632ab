using System.Diagnostics;
using PlmKit.Embeddings.Store;
using PlmKit.StoreWorker;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>Starts PlmKit.StoreWorker (a synthetic embedding job) as a separate process.</summary>
internal static class WorkerProcess
{
    /// <summary>Path of the worker's dll beside the test assembly.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "PlmKit.StoreWorker.dll");

    /// <summary>The dotnet host running the tests (the SDK sets DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    public static string DotNet { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Runs to completion; returns its stdout line (fails the test on a non-zero exit).</summary>
    public static string Run(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "worker did not finish in 2 minutes");
        Assert.True(p.ExitCode == 0, $"worker exit {p.ExitCode}: {stderr.Result}");
        return stdout.Result.Trim();
    }

    /// <summary>Exports every group the worker writes (layers 0,1 × mean,bos) as CSV; returns file name → bytes.</summary>
    public static Dictionary<string, byte[]> ExportAll(string storeDir, string outDir)
    {
        using var store = EmbeddingStore.OpenExisting(storeDir);
        var model = new SyntheticSource().ModelId;
        var files = new Dictionary<string, byte[]>();
        foreach (var layer in new[] { 0, 1 })
            foreach (var pool in new[] { "mean", "bos" })
            {
                var f = StoreExporter.Export(store, new EmbeddingKey(model, layer, pool, "truncate", "fp32", ""), store.Names(), outDir, ExportFormat.Csv);
                files[Path.GetFileName(f.Path)] = File.ReadAllBytes(f.Path);
            }
        return files;
    }
}
