using System.Text;
using PlmKit.Models;
using PlmKit.Models.EsmC;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>
/// <see cref="PickleFile"/>: torch.save checkpoints read tensor by tensor, with the layouts torch.save
/// writes (views with strides and offsets, shared storages, every float dtype, zip64, deflated entries),
/// equal to TorchSharp.PyBridge's whole-file read, and damaged archives named in one line.
/// </summary>
public class PickleFileTests
{
    private static string Fixture(string name) => Path.Combine(SharedData.RepoRoot, "tests", "PlmKit.Tests", "Models", "Fixtures", name);

    [Theory]
    [InlineData("views.pt")]
    [InlineData("views_zip64.pt")]
    [InlineData("views_deflated.pt")]
    [InlineData("views_zip64_deflated.pt")]
    public void ViewsOfEveryLayoutReadAsTorchSavedThem(string name)
    {
        TorchRuntime.EnsureLoaded();
        // 8-byte slices: every tensor is read in several pieces, and the strided ones through their span.
        using var file = PickleFile.Open(Fixture(name), 8);
        var keys = file.Keys.Where(k => !k.EndsWith(".expected", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(["bfloat", "double", "half", "scalar", "shared_a", "sliced", "transposed"], keys);
        foreach (var key in keys)
        {
            using var expected = file.Read(key + ".expected");
            using var asStored = file.Read(key);
            using var asFloat = empty(expected.shape, ScalarType.Float32);
            file.Tensor(key).CopyTo(asFloat);
            Assert.True(asFloat.equal(expected).all().item<bool>(), key);
            Assert.True(asStored.to(ScalarType.Float32).equal(expected).all().item<bool>(), key);
            Assert.True(file.Tensor(key).IsFloatingPoint);
        }
        Assert.Equal(ScalarType.Float16, file.Read("half").dtype);
        Assert.Equal(ScalarType.BFloat16, file.Read("bfloat").dtype);
        Assert.Equal([3L, 7], file.Tensor("sliced").Shape);
    }

    [Theory]
    [InlineData("tiny/esm2_t2_32_tiny.pt")]
    [InlineData("esmc_tiny/esmc_tiny.pth")]
    public void CheckpointsEqualPyBridgesWholeFileRead(string relative)
    {
        TorchRuntime.EnsureLoaded();
        var path = Path.Combine(SharedData.Golden, relative);
        var root = PyTorchUnpickler.UnpickleStateDict(path);
        var reference = (root["model"] as System.Collections.IDictionary ?? root).Cast<System.Collections.DictionaryEntry>()
            .Where(e => e.Value is Tensor).ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);
        using var file = PickleFile.Open(path);
        Assert.Equal(reference.Keys.Order(), file.Keys.Order());
        foreach (var (key, expected) in reference)
        {
            using var actual = file.Read(key);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.True(actual.equal(expected).all().item<bool>(), key);
            expected.Dispose();
        }
    }

    [Fact]
    public void ACheckpointRezippedWithDeflateReadsAsTheOriginalAndKeepsItsByteOrderCheck()
    {
        // A torch 2 file (it has a byteorder entry) re-zipped with every entry deflated, as archivers do.
        TorchRuntime.EnsureLoaded();
        using var dir = new TempDir();
        var original = Path.Combine(SharedData.Golden, "esmc_tiny", "esmc_tiny.pth");
        string Rezip(string name, Func<string, byte[], byte[]> change)
        {
            var path = Path.Combine(dir.Path, name);
            using var source = System.IO.Compression.ZipFile.OpenRead(original);
            using var target = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create);
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var buffer = new MemoryStream();
                from.CopyTo(buffer);
                using var to = target.CreateEntry(entry.FullName, System.IO.Compression.CompressionLevel.Optimal).Open();
                to.Write(change(entry.FullName, buffer.ToArray()));
            }
            return path;
        }
        using (var stored = PickleFile.Open(original))
        using (var deflated = PickleFile.Open(Rezip("deflated.pth", (_, bytes) => bytes)))
            foreach (var key in stored.Keys)
            {
                using var a = stored.Read(key);
                using var b = deflated.Read(key);
                Assert.True(a.equal(b).all().item<bool>(), key);
            }
        var big = Rezip("big.pth", (name, bytes) => name.EndsWith("/byteorder", StringComparison.Ordinal) ? "bigend"u8.ToArray() : bytes);
        Assert.Contains("'bigend' byte order", Assert.Throws<ModelLoadException>(() => PickleFile.Open(big)).Message);
    }

    [Fact]
    public void APickleStreamsItsBlocksLikeSafetensors()
    {
        var pth = Path.Combine(SharedData.Golden, "esmc_tiny", "esmc_tiny.pth");
        using var inMemory = EsmCCheckpoint.Load(pth).Model;
        using var streamed = EsmCCheckpoint.Load(pth, options: new LoadOptions { StreamBlocks = _ => true }).Model;
        Assert.True(((ILayeredModel)streamed).Streamed);
        using var tokens = tensor(new long[,] { { 0, 5, 6, 7, 8, 2 } });
        var layers = Enumerable.Range(0, inMemory.Info.Layers + 1).ToList();
        using var expected = inMemory.Forward(tokens, layers);
        // Twice: the second pass reads every block from the file again.
        for (int pass = 0; pass < 2; pass++)
        {
            using var actual = streamed.Forward(tokens, layers);
            foreach (var layer in layers)
                Assert.True(actual.Representations[layer].equal(expected.Representations[layer]).all().item<bool>(), $"layer {layer}, pass {pass}");
        }
        Assert.Equal(2 * inMemory.Info.Layers, ((ILayeredModel)streamed).Streaming!.Reads);
    }

    [Fact]
    public void DamagedArchivesAreNamedInOneLine()
    {
        TorchRuntime.EnsureLoaded();
        using var dir = new TempDir();
        var source = File.ReadAllBytes(Fixture("views.pt"));

        string Refused(string name, byte[] bytes)
        {
            var path = Path.Combine(dir.Path, name);
            File.WriteAllBytes(path, bytes);
            var message = Assert.Throws<ModelLoadException>(() => { using var f = PickleFile.Open(path); f.Read("transposed").Dispose(); }).Message;
            Assert.StartsWith(path + ":", message);
            Assert.DoesNotContain('\n', message);
            return message;
        }

        // A storage compressed with a method .NET can open but PlmKit does not read (Deflate64; only its headers are read),
        // and one no reader here knows (bzip2).
        var deflate64 = (byte[])source.Clone();
        BitConverter.GetBytes((ushort)9).CopyTo(deflate64, CentralHeader(deflate64, "views/data/0") + 10);
        Assert.Contains("zip method 9", Refused("deflate64.pt", deflate64));
        var bzip = (byte[])source.Clone();
        BitConverter.GetBytes((ushort)12).CopyTo(bzip, CentralHeader(bzip, "views/data/0") + 10);
        Assert.Contains("BZip2", Refused("bzip2.pt", bzip));

        // A storage shorter than its tensors (the size fields say 8 bytes).
        var shortStorage = (byte[])source.Clone();
        int header = CentralHeader(shortStorage, "views/data/0");
        BitConverter.GetBytes(8u).CopyTo(shortStorage, header + 20);
        BitConverter.GetBytes(8u).CopyTo(shortStorage, header + 24);
        Assert.Contains("does not fit its storage", Refused("short.pt", shortStorage));

        // Cut before the central directory; a text file; and the tail of the archive gone.
        Assert.Contains("cannot read as a PyTorch checkpoint", Refused("cut.pt", source[..(source.Length / 2)]));
        Assert.Contains("not a zip archive", Refused("text.pt", Encoding.ASCII.GetBytes("model weights\n")));
        Assert.Contains("cannot read as a PyTorch checkpoint", Refused("tail.pt", source[..^10]));

        // Big-endian storages (torch.save records the byte order since PyTorch 1.10).
        var esmc = File.ReadAllBytes(Path.Combine(SharedData.Golden, "esmc_tiny", "esmc_tiny.pth"));
        int little = IndexOf(esmc, "little"u8.ToArray(), 0);
        Encoding.ASCII.GetBytes("bigend").CopyTo(esmc, little);
        var path = Path.Combine(dir.Path, "big.pth");
        File.WriteAllBytes(path, esmc);
        Assert.Contains("'bigend' byte order", Assert.Throws<ModelLoadException>(() => PickleFile.Open(path)).Message);
    }

    // The central directory header of entry name: 46 bytes before the name's last occurrence (the central copy follows the local one).
    private static int CentralHeader(byte[] zip, string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        int at = -1;
        for (int i = IndexOf(zip, bytes, 0); i >= 0; i = IndexOf(zip, bytes, i + 1))
            if (i + bytes.Length < zip.Length && zip[i + bytes.Length] != (byte)'/' && !char.IsAsciiDigit((char)zip[i + bytes.Length])) at = i;
        Assert.True(at >= 46 && BitConverter.ToUInt32(zip, at - 46) == 0x02014b50, name);
        return at - 46;
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int from) =>
        haystack.AsSpan(from).IndexOf(needle) is var i and >= 0 ? from + i : -1;
}
