using PlmKit.Embeddings;

namespace PlmKit.Tests.Embeddings;

/// <summary>
/// The golden inputs (esm2_8M_shape layer-6 states from fair-esm) and the study's compressions
/// of them (<c>expected/compress_esm2_8M_shape.safetensors</c>), read once per test run.
/// </summary>
public static class GoldenCompressions
{
    private static readonly Lazy<SafeTensorsFile> States = new(() =>
        SafeTensorsFile.Open(System.IO.Path.Combine(SharedData.Golden, "expected", "esm2_8M_shape.safetensors")));

    private static readonly Lazy<SafeTensorsFile> Compressed = new(() =>
        SafeTensorsFile.Open(System.IO.Path.Combine(SharedData.Golden, "expected", "compress_esm2_8M_shape.safetensors")));

    /// <summary>The 10 sequences with L ≥ 20 that the compression reference covers.</summary>
    public static IReadOnlyList<string> Ids { get; } =
    [
        "IF1_ECOLI", "SUMO1_HUMAN_Roth2017", "UBC9_HUMAN_Roth2017", "BLAT_ECOLX_Tenaillon2013",
        "BRCA1_HUMAN_RING", "rare_XBUZO", "rand30", "rand257", "rand600", "rand1023",
    ];

    /// <summary><see cref="Ids"/> as xunit theory data.</summary>
    public static TheoryData<string> IdData => new(Ids);

    /// <summary>Layer-6 residue states (BRCA1 and rand1023 truncated to 1022 rows) and the BOS row.</summary>
    public static ResidueStates Layer6(string id)
    {
        var file = States.Value;
        var shape = file.Shape($"{id}.layer6");
        return new ResidueStates(file.Floats($"{id}.layer6"), shape[0], shape[1], file.Floats($"{id}.bos.layer6"));
    }

    /// <summary>The reference vector <c>&lt;id&gt;.&lt;key&gt;</c> (I8 converted to float).</summary>
    public static float[] Expected(string id, string key) => Compressed.Value.Floats($"{id}.{key}");

    /// <summary>Whether the reference holds <c>&lt;id&gt;.&lt;key&gt;</c>.</summary>
    public static bool HasExpected(string id, string key) => Compressed.Value.Contains($"{id}.{key}");

    /// <summary>Largest absolute difference; fails on length mismatch.</summary>
    public static double MaxAbsDiff(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        return worst;
    }

    /// <summary>Asserts |expected - actual| ≤ atol element-wise, reporting the worst.</summary>
    public static void AssertClose(float[] expected, float[] actual, double atol, string what)
    {
        double worst = MaxAbsDiff(expected, actual);
        Assert.True(worst <= atol, $"{what}: max abs diff {worst:g3} > {atol:g3}");
    }
}
