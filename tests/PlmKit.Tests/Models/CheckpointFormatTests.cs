using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>The other Hugging Face layouts: sharded safetensors and pytorch_model.bin.</summary>
public sealed class CheckpointFormatTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("plmkit-format-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Dictionary<string, Tensor> TinyState()
    {
        TorchRuntime.EnsureLoaded();
        return Safetensors.LoadStateDict(Path.Combine(Golden.TinyFolder, "model.safetensors"));
    }

    private static void AssertSameWeightsAsGolden(LoadedEsm loaded)
    {
        var expected = Golden.Model("tiny").Model.state_dict();
        var actual = loaded.Model.state_dict();
        // The golden model was loaded with its LM head, these without.
        Assert.Equal(expected.Keys.Where(k => !k.StartsWith("lm_head.", StringComparison.Ordinal)).Order(), actual.Keys.Order());
        foreach (var (key, value) in actual)
            Assert.True(value.equal(expected[key]).all().item<bool>(), key);
    }

    [Fact]
    public void ShardedSafetensorsLoad()
    {
        File.Copy(Path.Combine(Golden.TinyFolder, "config.json"), Path.Combine(dir, "config.json"));
        var state = TinyState();
        var keys = state.Keys.Order(StringComparer.Ordinal).ToList();
        var shards = new[] { keys.Take(20).ToList(), keys.Skip(20).ToList() };
        var map = new Dictionary<string, string>();
        for (int s = 0; s < 2; s++)
        {
            var name = $"model-0000{s + 1}-of-00002.safetensors";
            using (var stream = File.Create(Path.Combine(dir, name)))
                Safetensors.SaveStateDict(stream, shards[s].ToDictionary(k => k, k => state[k]));
            foreach (var k in shards[s]) map[k] = name;
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            "{\"metadata\": {}, \"weight_map\": {" + string.Join(", ", map.Select(kv => $"\"{kv.Key}\": \"{kv.Value}\"")) + "}}");
        var loaded = EsmCheckpoint.Load(dir);
        Assert.Equal(2, loaded.WeightFiles.Count);
        AssertSameWeightsAsGolden(loaded);

        // A tensor in both shards: refused, naming both files, instead of taking either.
        string both = shards[0].First(k => k.Contains("word_embeddings", StringComparison.Ordinal));
        using (var stream = File.Create(Path.Combine(dir, "model-00002-of-00002.safetensors")))
            Safetensors.SaveStateDict(stream, shards[1].Append(both).ToDictionary(k => k, k => state[k]));
        var twice = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(dir));
        Assert.Contains($"tensor '{both}' is also in", twice.Message);
        Assert.Contains("model-00001-of-00002.safetensors", twice.Message);

        File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        var e = Assert.Throws<ModelLoadException>(() => EsmCheckpoint.Load(dir));
        Assert.Contains("shard 'model-00002-of-00002.safetensors' is listed but missing", e.Message);
    }

    [Fact]
    public void PytorchModelBinLoads()
    {
        File.Copy(Path.Combine(Golden.TinyFolder, "config.json"), Path.Combine(dir, "config.json"));
        PyTorchPickler.PickleStateDict(Path.Combine(dir, "pytorch_model.bin"), TinyState());
        AssertSameWeightsAsGolden(EsmCheckpoint.Load(dir));
    }
}
