using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>Damaged or incomplete weight files give one clear message naming the file and tensor.</summary>
public sealed class CheckpointErrorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("plmkit-esm-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Folder(Action<Dictionary<string, Tensor>> edit)
    {
        TorchRuntime.EnsureLoaded();
        File.Copy(Path.Combine(Golden.TinyFolder, "config.json"), Path.Combine(dir, "config.json"));
        var state = Safetensors.LoadStateDict(Path.Combine(Golden.TinyFolder, "model.safetensors"));
        edit(state);
        using (var stream = File.Create(Path.Combine(dir, "model.safetensors")))
            Safetensors.SaveStateDict(stream, state);
        return dir;
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var folder = Folder(s => s.Remove("esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq"));
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(folder));
        Assert.Contains("'esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq' is missing", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamedWithFileAndShapes()
    {
        var folder = Folder(s => s["esm.encoder.layer.0.intermediate.dense.weight"] = zeros(64, 32));
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(folder));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("'esm.encoder.layer.0.intermediate.dense.weight' has shape [64, 32], expected [128, 32]", e.Message);
    }

    [Fact]
    public void UnexpectedLayerIsReported()
    {
        var folder = Folder(s => s["esm.encoder.layer.2.fc_extra.weight"] = zeros(2));
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(folder));
        Assert.Contains("unexpected tensor 'esm.encoder.layer.2.fc_extra.weight'", e.Message);
    }

    [Fact]
    public void TruncatedSafetensorsIsReported()
    {
        File.Copy(Path.Combine(Golden.TinyFolder, "config.json"), Path.Combine(dir, "config.json"));
        var bytes = File.ReadAllBytes(Path.Combine(Golden.TinyFolder, "model.safetensors"));
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(dir));
        Assert.Contains("model.safetensors: truncated", e.Message);
    }

    [Fact]
    public void TruncatedPtIsReported()
    {
        var bytes = File.ReadAllBytes(Golden.TinyPt);
        var path = Path.Combine(dir, "esm2_cut.pt");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(path));
        Assert.Contains("esm2_cut.pt: cannot read as a PyTorch checkpoint", e.Message);
    }

    [Fact]
    public void FolderWithoutConfigIsReported()
    {
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(dir));
        Assert.Contains("no config.json", e.Message);
    }

    [Fact]
    public void ContactRegressionFileIsNotAModel()
    {
        var e = Assert.Throws<ModelLoadException>(() =>
            EsmCheckpoint.Load(Path.Combine(Golden.TinyFolder, "esm2_t2_32_tiny-contact-regression.pt")));
        Assert.Contains("not a fair-esm checkpoint", e.Message);
    }

    [Fact]
    public void WeightsHashIsTheFilesSha256()
    {
        var loaded = Golden.Model("tiny");
        using var sha = System.Security.Cryptography.SHA256.Create();
        var expected = Convert.ToHexStringLower(sha.ComputeHash(File.ReadAllBytes(Path.Combine(Golden.TinyFolder, "model.safetensors"))));
        Assert.Equal(expected, loaded.ComputeWeightsSha256());
    }
}
