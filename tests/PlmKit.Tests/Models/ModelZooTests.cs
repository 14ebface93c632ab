using PlmKit.Models;
using PlmKit.Models.Esm;

namespace PlmKit.Tests.Models;

public sealed class ModelZooTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("plmkit-zoo-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    private string? Env(string key) => key == "HOME" ? home : null;

    [Fact]
    public void ZooListsTheStudysModels()
    {
        // 12 models of the study: ESM-2 x6, ESM-1v, ESM C x3 (6B through Forge only), AMPLIFY x2.
        Assert.Equal(12, ModelZoo.Models.Count);
        var m = ModelZoo.Find("esm2_t36_3B_UR50D")!;
        Assert.Equal((36, 2560, 40), (m.Layers, m.Hidden, m.Heads));
        Assert.Equal("esm1b", ModelZoo.Find("esm1v_t33_650M_UR90S_1")!.Family);
        Assert.Equal((30, 960, 15), ModelZoo.Find("esmc_300m") is { } c3 ? (c3.Layers, c3.Hidden, c3.Heads) : default);
        Assert.Equal((36, 1152, 18), ModelZoo.Find("esmc_600m") is { } c6 ? (c6.Layers, c6.Hidden, c6.Heads) : default);
        Assert.Equal((24, 640, 10), ModelZoo.Find("amplify_120M") is { } a1 ? (a1.Layers, a1.Hidden, a1.Heads) : default);
        Assert.Equal((32, 960, 15), ModelZoo.Find("amplify_350M") is { } a3 ? (a3.Layers, a3.Hidden, a3.Heads) : default);
        Assert.Equal(new[] { "esmc_6b" }, ModelZoo.Models.Where(z => z.NotLocal is not null).Select(z => z.Name));
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

    [Fact]
    public void FindsEsmCWeightsInTheEvolutionaryScaleRepositoryLayout()
    {
        var repo = Path.Combine(home, ".cache", "huggingface", "hub", "models--EvolutionaryScale--esmc-600m-2024-12");
        var snap = Directory.CreateDirectory(Path.Combine(repo, "snapshots", "f00d", "data", "weights")).Parent!.Parent!.FullName;
        File.WriteAllText(Path.Combine(snap, "data", "weights", "esmc_600m_2024_12_v0.pth"), "");
        Assert.Equal(snap, ModelZoo.Resolve("esmc_600m", Env));
        Assert.IsType<PlmKit.Models.EsmC.EsmCFamily>(ModelZoo.FamilyOf(snap));
        // The 300M model is elsewhere: the message names its file and repository.
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esmc_300m", Env));
        Assert.Contains("data/weights/esmc_300m_2024_12_v0.pth of EvolutionaryScale/esmc-300m-2024-12", e.Message);
    }

    [Fact]
    public void FindsAmplifyInTheHuggingFaceCache()
    {
        var repo = Path.Combine(home, ".cache", "huggingface", "hub", "models--chandar-lab--AMPLIFY_120M");
        var snap = Directory.CreateDirectory(Path.Combine(repo, "snapshots", "beef")).FullName;
        File.WriteAllText(Path.Combine(snap, "config.json"), """{ "model_type": "AMPLIFY" }""");
        Assert.Equal(snap, ModelZoo.Resolve("amplify_120M", Env));
        Assert.IsType<PlmKit.Models.Amplify.AmplifyFamily>(ModelZoo.FamilyOf(snap));
    }

    [Fact]
    public void EsmC6BSaysItIsServedThroughForgeOnly()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esmc_6b", Env));
        Assert.Contains("Forge", e.Message);
        Assert.DoesNotContain("esmc_6b", Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("nothing", Env)).Message);
    }

    [Theory]
    [InlineData("tiny", "esm2")]
    [InlineData("tiny/esm2_t2_32_tiny.pt", "esm2")]
    [InlineData("esmc_tiny", "esmc")]
    [InlineData("esmc_tiny/esmc_tiny.pth", "esmc")]
    [InlineData("amplify_tiny", "amplify")]
    public void EveryGoldenLayoutIsLoadedByItsFamily(string path, string family)
    {
        var loaded = ModelZoo.Load(Path.Combine(SharedData.Golden, path));
        Assert.Equal(family, loaded.Model.Info.Family);
        loaded.Model.Dispose();
    }

    [Fact]
    public void AFolderNoFamilyRecognisesIsRefusedSayingWhatIsExpected()
    {
        var dir = Directory.CreateDirectory(Path.Combine(home, "gpt")).FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), """{ "model_type": "gpt2" }""");
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Load(dir));
        Assert.Contains(dir, e.Message);
        Assert.Contains("model_type 'esm'", e.Message);
    }
}
