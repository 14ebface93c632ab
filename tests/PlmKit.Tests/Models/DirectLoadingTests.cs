using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>Weights read tensor by tensor into the compute dtype (<see cref="SafetensorsFile"/>, <see cref="LoadOptions"/>).</summary>
public class DirectLoadingTests
{
    [Fact]
    public void SafetensorsReadsInSlicesIntoAnyDtypeAndDevice()
    {
        TorchRuntime.EnsureLoaded();
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using var generator = new Generator(7);
        var state = new Dictionary<string, Tensor>
        {
            ["matrix"] = randn([1000, 37], generator: generator),
            ["half"] = randn([50, 3], generator: generator).to(ScalarType.BFloat16),
            ["scalar"] = tensor(3.25f),
            ["ids"] = tensor(new long[] { 4, -2, 9 }),
        };
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, state);

        // 4 KB slices: the 148 KB matrix is read in 28 pieces of 27 rows.
        using var file = SafetensorsFile.Open(path, 4096);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float64 })
        {
            using var target = empty([1000, 37], dtype);
            file.Tensor("matrix").CopyTo(target);
            Assert.True(target.equal(state["matrix"].to(dtype)).all().item<bool>(), $"matrix as {dtype}");
        }
        using var half = empty([50, 3], ScalarType.Float32);
        file.Tensor("half").CopyTo(half);
        Assert.True(half.equal(state["half"].to(ScalarType.Float32)).all().item<bool>());
        using var scalar = empty([], ScalarType.Float32);
        file.Tensor("scalar").CopyTo(scalar);
        Assert.Equal(3.25f, scalar.item<float>());
        Assert.False(file.Tensor("ids").IsFloatingPoint);
        Assert.Equal([4L, -2, 9], file.Read("ids").data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => file.Tensor("matrix").CopyTo(empty([37, 1000])));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsFile.Open(path, 0));
    }

    [Fact]
    public void SafetensorsThatEndEarlyOrLieAboutTheirSizesAreRefused()
    {
        TorchRuntime.EnsureLoaded();
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, new Dictionary<string, Tensor> { ["w"] = ones(100, 10) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);
        Assert.Contains("truncated: tensor 'w'", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("no safetensors header", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path)).Message);
        var text = System.Text.Encoding.UTF8.GetString(bytes).Replace("[100,10]", "[100,11]");
        File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));
        Assert.Contains("do not match shape [100, 11]", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(bytes).Replace("\"F32\"", "null ")));
        Assert.Contains("damaged safetensors header entry 'w'", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path)).Message);
        // A length field past the format's 100 MB cap (but within the file's length) is damage, not a header to allocate.
        var huge = (byte[])bytes.Clone();
        BitConverter.GetBytes((ulong)150_000_000).CopyTo(huge, 0);
        using (var stream = File.Create(path)) { stream.Write(huge); stream.SetLength(160_000_000); }
        Assert.Contains("the format allows 100 MB", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path)).Message);
        // A folder where the file should be: one message naming it, not an I/O exception.
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, "model.safetensors")).FullName;
        Assert.Contains("model.safetensors: cannot be read", Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(folder)).Message);
    }

    [Fact]
    public void Bf16LoadedDirectlyEqualsFp32LoadedThenCast()
    {
        var folder = Path.Combine(SharedData.Golden, "esm2_8M_shape");
        using var fp32 = EsmCheckpoint.Load(folder).Model;
        using var bf16 = EsmCheckpoint.Load(folder, options: new LoadOptions { Dtype = ScalarType.BFloat16 }).Model;
        fp32.To(CPU, ScalarType.BFloat16);
        var reference = fp32.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in bf16.named_parameters())
        {
            Assert.Equal(ScalarType.BFloat16, p.dtype);
            Assert.True(p.equal(reference[name]).all().item<bool>(), name);
        }
        // The rotary frequencies stay float32 (a bfloat16 copy would shift every angle).
        Assert.All(bf16.named_buffers(), b => Assert.Equal(ScalarType.Float32, b.buffer.dtype));
        using var tokens = tensor(new long[,] { { 0, 5, 6, 7, 2 } });
        using var a = fp32.Forward(tokens, [6]);
        using var b = bf16.Forward(tokens, [6]);
        Assert.True(a.Representations[6].equal(b.Representations[6]).all().item<bool>());
    }

    [Fact]
    public void SlicesOfAStackedMatrixAreToldFromLookAlikes()
    {
        // Told by storage and offset (no read of the data, which on a GPU would copy it to the host).
        TorchRuntime.EnsureLoaded();
        using var stacked = arange(24, dtype: ScalarType.Float32).reshape(6, 4);
        using var a = stacked.narrow(0, 0, 2);
        using var b = stacked.narrow(0, 2, 2);
        using var c = stacked.narrow(0, 4, 2);
        using var copy = c.clone();
        using var other = stacked.to(ScalarType.BFloat16);
        using var bOther = other.narrow(0, 2, 2);
        Assert.True(Blank.AreSlicesOf(stacked, [a, b, c]));
        Assert.False(Blank.AreSlicesOf(stacked, [a, c, b]));         // out of order
        Assert.False(Blank.AreSlicesOf(stacked, [a, b]));            // not the whole matrix
        Assert.False(Blank.AreSlicesOf(stacked, [a, b, copy]));      // equal values, another storage
        Assert.False(Blank.AreSlicesOf(stacked, [a, bOther, c]));    // another dtype and storage
        using var inner = stacked.narrow(0, 2, 4);
        using var innerParts0 = stacked.narrow(0, 2, 2);
        Assert.True(Blank.AreSlicesOf(inner, [innerParts0, c]));     // a stacked matrix that is itself a slice
    }

    [Fact]
    public void LargeWeightsAreAdvisedHugePagesWhereTheKernelHasThemOnRequest()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        // Only where huge pages are given on request does the advice change anything (and can be seen).
        if (!File.Exists(setting) || !File.ReadAllText(setting).Contains("[madvise]", StringComparison.Ordinal)) return;
        TorchRuntime.EnsureLoaded();
        using var advised = empty([4L << 20], ScalarType.Float32);
        using var plain = empty([4L << 20], ScalarType.Float32);
        using var small = empty([1000], ScalarType.Float32);
        var range = HugePages.Advise(advised);
        Assert.NotNull(range);
        Assert.Null(HugePages.Advise(small));
        Assert.True(range.Value.Length >= (16L << 20) - 8192);
        Assert.Equal(1, ThpEligible(range.Value.Start));
        unsafe
        {
            fixed (byte* p = plain.bytes) Assert.Equal(0, ThpEligible((long)p + 4096));
        }
    }

    // The THPeligible field of the mapping (/proc/self/smaps) that holds address.
    private static int ThpEligible(long address)
    {
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var head = line.Split(' ')[0].Split('-');
            if (head.Length == 2 && long.TryParse(head[0], System.Globalization.NumberStyles.HexNumber, null, out var from)
                && long.TryParse(head[1], System.Globalization.NumberStyles.HexNumber, null, out var to))
                inside = from <= address && address < to;
            else if (inside && line.StartsWith("THPeligible:", StringComparison.Ordinal))
                return int.Parse(line["THPeligible:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no mapping holds 0x{address:x}");
    }
}
