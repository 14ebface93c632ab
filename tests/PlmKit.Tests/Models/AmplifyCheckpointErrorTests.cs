using System.Text.Json.Nodes;
using PlmKit.Models;
using PlmKit.Models.Amplify;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>Damaged, mismatched or unsupported AMPLIFY folders: one ModelLoadException naming the file and the tensor or field.</summary>
public sealed class AmplifyCheckpointErrorTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string ConfigPath => dir.Sub("config.json");
    private string WeightsPath => dir.Sub("model.safetensors");

    /// <summary>A copy of the golden folder with its config and tensors edited.</summary>
    private string Folder(Action<JsonObject>? editConfig = null, Action<Dictionary<string, Tensor>>? editState = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AmplifyGolden.Folder, "config.json")))!.AsObject();
        editConfig?.Invoke(config);
        File.WriteAllText(ConfigPath, config.ToJsonString());
        File.Copy(Path.Combine(AmplifyGolden.Folder, "amplify_vocab.txt"), dir.Sub("amplify_vocab.txt"));
        if (editState is null) File.Copy(Path.Combine(AmplifyGolden.Folder, "model.safetensors"), WeightsPath);
        else
        {
            var state = Safetensors.LoadStateDict(Path.Combine(AmplifyGolden.Folder, "model.safetensors"));
            editState(state);
            using var stream = File.Create(WeightsPath);
            Safetensors.SaveStateDict(stream, state);
        }
        return dir.Path;
    }

    private static ModelLoadException Fails(string folder) => Assert.Throws<ModelLoadException>(() => ModelZoo.Load(folder));

    [Fact]
    public void TheCopiedFolderLoads()
    {
        var loaded = ModelZoo.Load(Folder());
        Assert.IsType<AmplifyModel>(loaded.Model);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var e = Fails(Folder(editState: s => s.Remove("transformer_encoder.1.ffn.w3.weight")));
        Assert.Contains("tensor 'transformer_encoder.1.ffn.w3.weight' is missing (expected shape [64, 176])", e.Message);
        Assert.StartsWith(dir.Path, e.Message);
    }

    [Fact]
    public void WrongShapeIsNamedWithFileAndShapes()
    {
        var e = Fails(Folder(editState: s => s["transformer_encoder.0.ffn.w12.weight"] = zeros(256, 64)));
        Assert.Contains($"{WeightsPath}: tensor 'transformer_encoder.0.ffn.w12.weight' has shape [256, 64], expected [352, 64]", e.Message);
    }

    [Fact]
    public void MissingDecoderMattersOnlyForLogits()
    {
        var folder = Folder(editState: s => s.Remove("decoder.bias"));
        Assert.IsType<AmplifyModel>(ModelZoo.Load(folder).Model);
        var e = Assert.Throws<ModelLoadException>(() => AmplifyCheckpoint.Load(folder, withLmHead: true));
        Assert.Contains("tensor 'decoder.bias' is missing", e.Message);
    }

    [Fact]
    public void UnexpectedTensorIsNamed()
    {
        var e = Fails(Folder(editState: s => s["transformer_encoder.2.q.weight"] = zeros(64, 64)));
        Assert.Contains($"{WeightsPath}: unexpected tensor 'transformer_encoder.2.q.weight' for a 2-layer AMPLIFY", e.Message);
    }

    [Fact]
    public void TruncatedSafetensorsIsReported()
    {
        Folder();
        var bytes = File.ReadAllBytes(WeightsPath);
        File.WriteAllBytes(WeightsPath, bytes[..(bytes.Length - 1000)]);
        var e = Fails(dir.Path);
        Assert.StartsWith($"{WeightsPath}: truncated: tensor '", e.Message);
    }

    [Fact]
    public void Esm2WeightsUnderAnAmplifyConfigAreRefused()
    {
        Folder();
        File.Copy(Path.Combine(Golden.Esm8MFolder, "model.safetensors"), WeightsPath, overwrite: true);
        var e = Fails(dir.Path);
        Assert.Contains($"{WeightsPath}: unexpected tensor 'esm.", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void EsmCWeightsUnderAnAmplifyConfigAreRefused()
    {
        Folder();
        File.Copy(Path.Combine(SharedData.Golden, "esmc_tiny", "model.safetensors"), WeightsPath, overwrite: true);
        var e = Fails(dir.Path);
        Assert.Contains($"{WeightsPath}: unexpected tensor '", e.Message);
        Assert.Contains("AMPLIFY", e.Message);
    }

    [Fact]
    public void EsmCPickleAsPytorchModelBinIsRefused()
    {
        Folder();
        File.Delete(WeightsPath);
        var bin = dir.Sub("pytorch_model.bin");
        File.Copy(Path.Combine(SharedData.Golden, "esmc_tiny", "esmc_tiny.pth"), bin);
        var e = Fails(dir.Path);
        Assert.Contains($"{bin}: unexpected tensor '", e.Message);
    }

    [Theory]
    [InlineData("att_bias", "true")]
    [InlineData("ffn_bias", "true")]
    [InlineData("rms_norm", "false")]
    [InlineData("layer_norm_after_embedding", "true")]
    [InlineData("layer_norm_before_last_layer", "false")]
    [InlineData("hidden_act", "\"GELU\"")]
    public void UnsupportedConfigValuesAreNamed(string field, string value)
    {
        var e = Fails(Folder(c => c[field] = JsonNode.Parse(value)));
        Assert.StartsWith($"{ConfigPath}: {field} is {value}; PlmKit's AMPLIFY supports only", e.Message);
    }

    [Fact]
    public void UnknownConfigFieldIsNamed()
    {
        var e = Fails(Folder(c => c["residual_scale"] = 0.5));
        Assert.StartsWith($"{ConfigPath}: unknown field 'residual_scale'", e.Message);
    }

    [Fact]
    public void MissingShapeFieldIsNamed()
    {
        var e = Fails(Folder(c => c.Remove("num_attention_heads")));
        Assert.Equal($"{ConfigPath}: 'num_attention_heads' is missing.", e.Message);
    }

    [Fact]
    public void VocabularyThatDisagreesWithTheConfigIsRefused()
    {
        var e = Fails(Folder(c => c["vocab_size"] = 33));
        Assert.Contains("vocab_size is 33, but", e.Message);
        File.Delete(dir.Sub("amplify_vocab.txt"));
        File.WriteAllText(ConfigPath, File.ReadAllText(Path.Combine(AmplifyGolden.Folder, "config.json")).Replace("\"bos_token_id\": 3", "\"bos_token_id\": 5"));
        e = Fails(dir.Path);
        Assert.Contains("bos_token_id 5 is not '<bos>'", e.Message);
    }

    [Fact]
    public void AFileIsNotAnAmplifyFolder()
    {
        var e = Assert.Throws<ModelLoadException>(() => AmplifyCheckpoint.Load(Path.Combine(AmplifyGolden.Folder, "model.safetensors")));
        Assert.Contains("Hugging Face folder", e.Message);
    }
}
