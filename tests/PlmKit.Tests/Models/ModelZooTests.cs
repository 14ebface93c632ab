using PlmKit.Models;

namespace PlmKit.Tests.Models;

public sealed class ModelZooTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("plmkit-zoo-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    private string? Env(string key) => key == "HOME" ? home : null;

    [Fact]
    public void ZooListsTheStudysModels()
    {
        Assert.Equal(7, ModelZoo.Models.Count);
        var m = ModelZoo.Find("esm2_t36_3B_UR50D")!;
        Assert.Equal((36, 2560, 40), (m.Layers, m.Hidden, m.Heads));
        Assert.Equal(EsmArchitecture.Esm1b, ModelZoo.Find("esm1v_t33_650M_UR90S_1")!.Architecture);
    }

    [Fact]
    public void AbsentModelSaysWhereToPutFiles()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esm2_t6_8M_UR50D", Env));
        Assert.Contains(Path.Combine(home, ".cache", "huggingface", "hub", "models--facebook--esm2_t6_8M_UR50D", "snapshots"), e.Message);
        Assert.Contains(Path.Combine(home, ".cache", "torch", "hub", "checkpoints", "esm2_t6_8M_UR50D.pt"), e.Message);
    }

    [Fact]
    public void UnknownNameListsKnownModels()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esm3_huge", Env));
        Assert.Contains("esm2_t33_650M_UR50D", e.Message);
    }

    [Fact]
    public void FindsHuggingFaceSnapshotOfRefsMain()
    {
        var repo = Path.Combine(home, "hf", "hub", "models--facebook--esm2_t6_8M_UR50D");
        var snap = Directory.CreateDirectory(Path.Combine(repo, "snapshots", "abc123")).FullName;
        File.WriteAllText(Path.Combine(snap, "config.json"), "{}");
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), "abc123\n");
        Assert.Equal(snap, ModelZoo.Resolve("esm2_t6_8M_UR50D", k => k == "HF_HOME" ? Path.Combine(home, "hf") : Env(k)));
    }

    [Fact]
    public void FindsTorchHubCheckpoint()
    {
        var dir = Directory.CreateDirectory(Path.Combine(home, ".cache", "torch", "hub", "checkpoints")).FullName;
        var file = Path.Combine(dir, "esm1v_t33_650M_UR90S_1.pt");
        File.WriteAllText(file, "");
        Assert.Equal(file, ModelZoo.Resolve("esm1v_t33_650M_UR90S_1", Env));
    }

    [Fact]
    public void ExistingPathIsTakenAsIs() => Assert.Equal(Golden.TinyFolder, ModelZoo.Resolve(Golden.TinyFolder, Env));
}
