using PlmKit.Models;
using PlmKit.Models.EsmC;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>Damaged, incomplete or foreign ESM C files give one line naming the file and the tensor or field.</summary>
public sealed class EsmCCheckpointErrorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("plmkit-esmc-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Config => Path.Combine(dir, "config.json");

    private void CopyConfig() => File.Copy(Path.Combine(EsmCGolden.Folder, "config.json"), Config);

    // The golden tensors, edited, as model.safetensors beside the golden config.
    private string Folder(Action<Dictionary<string, Tensor>> edit)
    {
        TorchRuntime.EnsureLoaded();
        CopyConfig();
        var state = Safetensors.LoadStateDict(EsmCGolden.Safetensors);
        edit(state);
        using (var stream = File.Create(Path.Combine(dir, "model.safetensors")))
            Safetensors.SaveStateDict(stream, state);
        return dir;
    }

    private static ModelLoadException Fails(string path) =>
        Assert.Throws<ModelLoadException>(() => EsmCCheckpoint.Load(path, withSequenceHead: true));

    [Fact]
    public void MissingTensorIsNamed()
    {
        var e = Fails(Folder(s => s.Remove("transformer.blocks.1.attn.k_ln.weight")));
        Assert.Contains("model.safetensors: tensor 'transformer.blocks.1.attn.k_ln.weight' is missing (expected shape [64])", e.Message);
    }

    [Fact]
    public void MissingHeadTensorMattersOnlyForLogits()
    {
        var folder = Folder(s => s.Remove("sequence_head.3.bias"));
        Assert.Contains("'sequence_head.3.bias' is missing", Fails(folder).Message);
        using var model = EsmCCheckpoint.Load(folder).Model;   // embeddings need no head
        Assert.False(model.HasSequenceHead);
    }

    [Fact]
    public void WrongShapeIsNamedWithFileAndShapes()
    {
        var e = Fails(Folder(s => s["transformer.blocks.0.ffn.1.weight"] = zeros(256, 64)));
        Assert.Contains("model.safetensors: tensor 'transformer.blocks.0.ffn.1.weight' has shape [256, 64], expected [512, 64]", e.Message);
    }

    [Fact]
    public void UnexpectedTensorIsNamed()
    {
        var e = Fails(Folder(s => s["transformer.blocks.2.attn.out_proj.weight"] = zeros(64, 64)));
        Assert.Contains("model.safetensors: unexpected tensor 'transformer.blocks.2.attn.out_proj.weight' for a 2-layer ESM C", e.Message);
    }

    [Fact]
    public void TruncatedPthIsReported()
    {
        CopyConfig();
        var bytes = File.ReadAllBytes(EsmCGolden.Pth);
        var path = Path.Combine(dir, "esmc_cut.pth");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("esmc_cut.pth: cannot read as a PyTorch checkpoint", Fails(path).Message);
        Assert.Contains("esmc_cut.pth: cannot read as a PyTorch checkpoint", Fails(dir).Message);   // the folder's only .pth
    }

    [Fact]
    public void TruncatedSafetensorsIsReported()
    {
        CopyConfig();
        var bytes = File.ReadAllBytes(EsmCGolden.Safetensors);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), bytes[..(bytes.Length - 1000)]);
        Assert.Contains("model.safetensors: truncated", Fails(dir).Message);
    }

    [Fact]
    public void Esm2CheckpointRenamedToPthIsNotEsmC()
    {
        CopyConfig();
        var path = Path.Combine(dir, "esm2.pth");
        File.Copy(Golden.TinyPt, path);
        var e = Fails(path);
        Assert.Contains("esm2.pth: unexpected tensor '", e.Message);
        Assert.Contains("for a 2-layer ESM C (d_model 64, 4 heads", e.Message);
        // Given the folder, the zoo sends it to ESM C (config) and fails the same way.
        Assert.Contains("esm2.pth: unexpected tensor '", Assert.Throws<ModelLoadException>(() => ModelZoo.Load(dir)).Message);
    }

    [Fact]
    public void AmplifyWeightsWithAnEsmCConfigAreNotEsmC()
    {
        CopyConfig();
        File.Copy(Path.Combine(SharedData.Golden, "amplify_tiny", "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var e = Fails(dir);
        Assert.Matches(@"model\.safetensors: unexpected tensor '(encoder|transformer_encoder|layer_norm_2|decoder)\.", e.Message);
    }

    [Fact]
    public void Esm2FolderIsRefusedByItsModelType()
    {
        var e = Fails(Golden.TinyFolder);
        Assert.Contains("config.json: model_type is \"esm\", expected \"esmc\"", e.Message);
    }

    [Fact]
    public void UnknownConfigFieldIsNamed()
    {
        Folder(_ => { });
        File.WriteAllText(Config, File.ReadAllText(Config).Replace("\"n_layers\": 2,", "\"n_layers\": 2, \"hidden_size\": 64,"));
        var e = Fails(dir);
        Assert.Contains("config.json: unknown field 'hidden_size'", e.Message);
    }

    [Fact]
    public void InconsistentDerivedFieldIsNamed()
    {
        Folder(_ => { });
        File.WriteAllText(Config, File.ReadAllText(Config).Replace("\"ffn_hidden\": 256", "\"ffn_hidden\": 128"));
        var e = Fails(dir);
        Assert.Contains("config.json: 'ffn_hidden' is 128, but the SwiGLU width is 256", e.Message);
    }

    [Fact]
    public void MissingSizeIsNamed()
    {
        Folder(_ => { });
        File.WriteAllText(Config, File.ReadAllText(Config).Replace("\"n_heads\": 4,", ""));
        Assert.Contains("config.json: 'n_heads' is missing or not an integer", Fails(dir).Message);
    }

    [Fact]
    public void PthWithoutConfigAsksForTheFolder()
    {
        var path = Path.Combine(dir, "my_esmc.pth");
        File.Copy(EsmCGolden.Pth, path);
        var e = Fails(path);
        Assert.Contains("my_esmc.pth: not a released ESM C file name", e.Message);
        Assert.Contains("give the folder with a config.json", e.Message);
        // With the config beside it, it loads, named after the file.
        CopyConfig();
        var loaded = EsmCCheckpoint.Load(path);
        using var model = loaded.Model;
        Assert.Equal("my_esmc", loaded.Name);
    }

    [Fact]
    public void FolderWithSeveralPthFilesIsAmbiguous()
    {
        CopyConfig();
        File.Copy(EsmCGolden.Pth, Path.Combine(dir, "a.pth"));
        File.Copy(EsmCGolden.Pth, Path.Combine(dir, "b.pth"));
        Assert.Contains("2 .pth files (a.pth, b.pth)", Fails(dir).Message);
    }
}

/// <summary>The zoo finds ESM C's released layouts (no weights are read: dispatch and lookup only).</summary>
public sealed class EsmCFamilyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("plmkit-esmc-zoo-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ReleasedFileAndHuggingFaceFolderAreEsmC()
    {
        var weights = Path.Combine(dir, "data", "weights");
        Directory.CreateDirectory(weights);
        var file = Path.Combine(weights, "esmc_300m_2024_12_v0.pth");
        File.WriteAllText(file, "placeholder");
        Assert.IsType<EsmCFamily>(ModelZoo.FamilyOf(file));
        Assert.IsType<EsmCFamily>(ModelZoo.FamilyOf(dir));
        Assert.Equal(file, EsmCCheckpoint.ReleasedFileIn(dir));
        Assert.Equal("esmc_600m_2024_12_v0.pth", EsmCCheckpoint.ReleasedFileOf("esmc_600m"));
        Assert.Null(EsmCCheckpoint.ReleasedFileOf("esmc_6b"));
    }

    [Fact]
    public void ZooNameResolvesToTheCachedSnapshot()
    {
        var snapshot = Path.Combine(dir, "hub", "models--EvolutionaryScale--esmc-300m-2024-12", "snapshots", "abc123");
        Directory.CreateDirectory(Path.Combine(snapshot, "data", "weights"));
        File.WriteAllText(Path.Combine(snapshot, "data", "weights", "esmc_300m_2024_12_v0.pth"), "placeholder");
        string? Env(string name) => name == "HF_HOME" ? dir : null;
        Assert.Equal(snapshot, ModelZoo.Resolve("esmc_300m", Env));
        var e = Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esmc_600m", Env));
        Assert.Contains("data/weights/esmc_600m_2024_12_v0.pth", e.Message);
        Assert.Contains("Forge", Assert.Throws<ModelLoadException>(() => ModelZoo.Resolve("esmc_6b", Env)).Message);
    }
}
