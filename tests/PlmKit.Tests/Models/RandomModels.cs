using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PlmKit.Models;
using PlmKit.Models.Amplify;
using PlmKit.Models.Esm;
using PlmKit.Models.EsmC;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>
/// Random models of every family in the layout the loaders read (config and tokenizer files taken
/// from the golden folders, the shape in config.json changed, the weights drawn here): weights
/// N(0, 0.02²), norm weights 1 + N(0, 0.02²), ESM's rotary frequencies as released models hold
/// them. The safetensors file is written tensor by tensor, so a test can build a model of several
/// hundred MB without holding it.
/// </summary>
internal static class RandomModels
{
    /// <summary>A random ESM-2 Hugging Face folder (config.json, model.safetensors, vocabulary).</summary>
    public static string Esm2(string dir, int layers, int hidden, int heads, int ffn, int seed = 1)
    {
        var golden = Path.Combine(SharedData.Golden, "esm2_8M_shape");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(golden).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(golden, "config.json")))!.AsObject();
        config["num_hidden_layers"] = layers;
        config["hidden_size"] = hidden;
        config["num_attention_heads"] = heads;
        config["intermediate_size"] = ffn;
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        using var model = new Esm2Model(new EsmConfig(EsmArchitecture.Esm2, layers, hidden, heads, ffn, true));
        Write(Path.Combine(dir, "model.safetensors"), model, EsmCheckpoint.FairToHf, seed, hidden / heads);
        return dir;
    }

    /// <summary>
    /// Replaces a folder's <c>model.safetensors</c> by <c>pytorch_model.bin</c> with the same tensors, laid out
    /// as torch.save writes it (a zip archive with uncompressed entries; TorchSharp.PyBridge's pickler deflates
    /// them, so its archive is re-zipped stored).
    /// </summary>
    public static string AsStoredPickle(string dir)
    {
        var safetensors = Path.Combine(dir, "model.safetensors");
        var deflated = Path.Combine(dir, "deflated.bin");
        var state = TorchSharp.PyBridge.Safetensors.LoadStateDict(safetensors);
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(deflated, state);
        foreach (var t in state.Values) t.Dispose();
        using (var source = System.IO.Compression.ZipFile.OpenRead(deflated))
        using (var target = System.IO.Compression.ZipFile.Open(Path.Combine(dir, "pytorch_model.bin"), System.IO.Compression.ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var to = target.CreateEntry(entry.FullName, System.IO.Compression.CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
        File.Delete(deflated);
        File.Delete(safetensors);
        return dir;
    }

    /// <summary>A random ESM C folder (config.json, model.safetensors).</summary>
    public static string EsmC(string dir, int dModel, int heads, int layers, int seed = 1)
    {
        var golden = Path.Combine(SharedData.Golden, "esmc_tiny");
        Directory.CreateDirectory(dir);
        var shape = new EsmCConfig(dModel, heads, layers);
        var config = new JsonObject { ["model_type"] = "esmc", ["d_model"] = dModel, ["n_heads"] = heads, ["n_layers"] = layers };
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        File.Copy(Path.Combine(golden, "sequence_vocab.txt"), Path.Combine(dir, "sequence_vocab.txt"), overwrite: true);
        using var model = new EsmCModel(shape);
        Write(Path.Combine(dir, "model.safetensors"), model, n => n, seed, shape.HeadDim);
        return dir;
    }

    /// <summary>A random AMPLIFY folder (config.json, tokenizer files, model.safetensors).</summary>
    public static string Amplify(string dir, int hidden, int heads, int layers, int ffn, int seed = 1)
    {
        var golden = Path.Combine(SharedData.Golden, "amplify_tiny");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(golden).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["hidden_size"] = hidden;
        config["num_attention_heads"] = heads;
        config["num_hidden_layers"] = layers;
        config["intermediate_size"] = ffn;
        File.WriteAllText(configPath, config.ToJsonString());
        var amplifyConfig = AmplifyConfig.Read(configPath);
        using var model = new AmplifyModel(amplifyConfig, AmplifyTokenizer.ForFolder(dir, amplifyConfig, configPath));
        Write(Path.Combine(dir, "model.safetensors"), model, n => n, seed, hidden / heads);
        return dir;
    }

    // Names and shapes from a blank-built model; values drawn per tensor and written as F32.
    private static void Write(string path, nn.Module model, Func<string, string> fileKey, int seed, int headDim)
    {
        var tensors = model.named_parameters().Select(p => (p.name, p.parameter.shape))
            .Concat(model.named_buffers().Select(b => (b.name, b.buffer.shape))).ToList();
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * 4;
            header[fileKey(name)] = new { dtype = "F32", shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        using var generator = new Generator((ulong)seed);
        foreach (var (name, shape) in tensors)
        {
            using var scope = NewDisposeScope();
            var t = name.EndsWith("inv_freq", StringComparison.Ordinal)
                ? pow(10000.0, arange(0, headDim, 2, ScalarType.Float32) / headDim).reciprocal()
                : randn(shape, generator: generator) * 0.02;
            if (IsNormWeight(name)) t = t + 1;
            stream.Write(t.contiguous().bytes);
        }
    }

    private static bool IsNormWeight(string name) =>
        name.EndsWith(".weight", StringComparison.Ordinal)
        && (name.Contains("norm", StringComparison.OrdinalIgnoreCase) || name.Contains("_ln", StringComparison.Ordinal)
            || name.Contains(".0.weight", StringComparison.Ordinal) && (name.Contains("layernorm_qkv") || name.Contains("ffn.0")));
}
