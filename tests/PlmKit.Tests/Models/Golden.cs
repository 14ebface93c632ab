using PlmKit.Data;
using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>The golden sequences, models and fair-esm outputs (../shared/golden), loaded once.</summary>
public static class Golden
{
    public const float Atol = 5e-5f;

    public static string TinyFolder => Path.Combine(SharedData.Golden, "tiny");
    public static string TinyPt => Path.Combine(SharedData.Golden, "tiny", "esm2_t2_32_tiny.pt");
    public static string Esm8MFolder => Path.Combine(SharedData.Golden, "esm2_8M_shape");
    public static string Fasta => Path.Combine(SharedData.Golden, "sequences.fasta");

    private static readonly Lazy<IReadOnlyList<FastaRecord>> SequencesLazy = new(() => FastaReader.Read(Fasta));
    public static IReadOnlyList<FastaRecord> Sequences => SequencesLazy.Value;

    private static readonly Lazy<Dictionary<string, Tensor>> TinyExpected = new(() => Load("tiny"));
    private static readonly Lazy<Dictionary<string, Tensor>> Esm8MExpected = new(() => Load("esm2_8M_shape"));

    public static Dictionary<string, Tensor> Expected(string model) => model == "tiny" ? TinyExpected.Value : Esm8MExpected.Value;

    private static Dictionary<string, Tensor> Load(string model)
    {
        TorchRuntime.EnsureLoaded();
        return Safetensors.LoadStateDict(Path.Combine(SharedData.Golden, "expected", model + ".safetensors"));
    }

    private static readonly Lazy<LoadedEsm> TinyHf = new(() => EsmCheckpoint.Load(TinyFolder, withLmHead: true));
    private static readonly Lazy<LoadedEsm> TinyFairEsm = new(() => EsmCheckpoint.Load(TinyPt, withLmHead: true));
    private static readonly Lazy<LoadedEsm> Esm8M = new(() => EsmCheckpoint.Load(Esm8MFolder));

    /// <summary>Shared read-only models (forward passes do not change them).</summary>
    public static LoadedEsm Model(string which) => which switch
    {
        "tiny" => TinyHf.Value,
        "tiny.pt" => TinyFairEsm.Value,
        "esm2_8M_shape" => Esm8M.Value,
        _ => throw new ArgumentException(which),
    };

    /// <summary>Max |a - b| over all elements (shapes must agree).</summary>
    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        using var d = (a.to(ScalarType.Float32) - b.to(ScalarType.Float32)).abs().max();
        return d.item<float>();
    }

    public static float MaxAbsDiff(float[] a, Tensor b)
    {
        using var t = tensor(a);
        return MaxAbsDiff(t, b);
    }
}
