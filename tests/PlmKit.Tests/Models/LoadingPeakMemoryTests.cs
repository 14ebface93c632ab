using System.Text.Json;
using PlmKit.Embeddings.Store;

namespace PlmKit.Tests.Models;

/// <summary>
/// Loading straight into bfloat16 never holds a float32 copy of the model, from safetensors or from a
/// torch.save pickle, measured as the peak resident size (VmHWM) of <c>plmkit embed</c> processes,
/// which the manifest records.
/// </summary>
public class LoadingPeakMemoryTests
{
    [Fact]
    public void Bf16LoadingPeaksAboutHalfAFloat32ModelBelowFp32Loading()
    {
        if (!File.Exists("/proc/self/status")) return;   // VmHWM is Linux's; elsewhere there is nothing to measure
        using var dir = new TempDir();
        // 10 blocks of width 768: 71 M parameters, 283 MB as float32 in the file.
        var model = RandomModels.Esm2(dir.Sub("model"), layers: 10, hidden: 768, heads: 12, ffn: 3072);
        long fp32Bytes = new FileInfo(Path.Combine(model, "model.safetensors")).Length;
        var fasta = dir.Write("in.fasta", ">a\nMKTAYIAKQRQISFVKSHFSRQ\n");

        long Peak(string dtype, string? from = null)
        {
            var outDir = dir.Sub("out-" + dtype + (from is null ? "" : "-pickle"));
            CliProcess.Run("embed", "--model", from ?? model, "--input", fasta, "--out", outDir, "--dtype", dtype, "--device", "cpu");
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, EmbedJob.ManifestName)));
            var memory = manifest.RootElement.GetProperty("memory");
            Assert.Equal("in-memory", memory.GetProperty("mode").GetString());
            // Loading and hashing are timed apart (hashing is the store's, not the loader's cost).
            Assert.True(memory.GetProperty("load_seconds").GetDouble() > 0 && memory.GetProperty("weights_hash_seconds").GetDouble() > 0);
            return memory.GetProperty("peak_rss_bytes").GetInt64();
        }
        long fp32 = Peak("fp32"), bf16 = Peak("bf16");
        // Read directly, bf16 saves half the float32 model; a float32 load then cast would peak at or above fp32.
        Assert.True(bf16 < fp32 - 0.35 * fp32Bytes,
            $"peak {bf16 >> 20} MB in bf16, {fp32 >> 20} MB in fp32, model {fp32Bytes >> 20} MB as float32");
        // And fp32 holds the model once: no second copy from reading the file.
        Assert.True(fp32 < MemoryPlannerRuntime + 1.3 * fp32Bytes, $"peak {fp32 >> 20} MB in fp32 for a {fp32Bytes >> 20} MB model");

        // The same weights as a torch.save pickle (pytorch_model.bin): read tensor by tensor too, never whole.
        var pickle = RandomModels.AsStoredPickle(RandomModels.Esm2(dir.Sub("pickle"), layers: 10, hidden: 768, heads: 12, ffn: 3072));
        long pickleFp32 = Peak("fp32", pickle), pickleBf16 = Peak("bf16", pickle);
        Assert.True(pickleBf16 < pickleFp32 - 0.35 * fp32Bytes,
            $"pickle: peak {pickleBf16 >> 20} MB in bf16, {pickleFp32 >> 20} MB in fp32, model {fp32Bytes >> 20} MB as float32");
        Assert.True(pickleFp32 < MemoryPlannerRuntime + 1.3 * fp32Bytes, $"pickle: peak {pickleFp32 >> 20} MB in fp32 for a {fp32Bytes >> 20} MB model");
    }

    private const long MemoryPlannerRuntime = PlmKit.Embeddings.MemoryPlanner.RuntimeBytes;
}
