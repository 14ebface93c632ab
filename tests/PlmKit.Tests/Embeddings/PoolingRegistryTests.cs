using PlmKit.Embeddings;

namespace PlmKit.Tests.Embeddings;

/// <summary>Names, output lengths and bad input of the pooling registry.</summary>
public class PoolingRegistryTests
{
    private static ResidueStates Random(int length, int hidden, int seed)
    {
        var random = new Random(seed);
        var values = new float[length * hidden];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return new ResidueStates(values, length, hidden, new float[hidden]);
    }

    [Fact]
    public void Every_study_method_is_registered_in_the_study_order()
    {
        Assert.Equal(
            ["mean", "bos", "maxPool", "pca1", "pca2", "pca1-2", "rbf1", "rbf2", "sigmoid1", "sigmoid2",
             "iDCT1", "iDCT2", "iDCT3", "iDCT4", "iDCT5"],
            Poolings.Names);
        foreach (var name in Poolings.Names) Assert.Equal(name, Poolings.Create(name).Name);
    }

    [Fact]
    public void Names_are_case_sensitive_and_unknown_names_list_the_known_ones()
    {
        var error = Assert.Throws<ConfigurationException>(() => Poolings.Create("idct1"));
        Assert.Contains("unknown pooling 'idct1'", error.Message);
        Assert.Contains("iDCT1", error.Message);
    }

    [Theory]
    [InlineData("pca1", 1280)]
    [InlineData("pca1-2", 2560)]
    [InlineData("rbf2", 1280)]
    [InlineData("iDCT1", 220)]
    [InlineData("iDCT3", 1280)]
    [InlineData("iDCT4", 5120)]
    [InlineData("iDCT5", 6400)]
    public void Output_lengths_follow_the_study(string name, int expected)
    {
        var pooling = Poolings.Create(name);
        Assert.Equal(expected, pooling.OutputLength(1280));
        Assert.Equal(expected, pooling.Pool(Random(40, 1280, 3)).Length);
    }

    [Fact]
    public void Idct_refuses_a_protein_too_short_for_its_points()
    {
        var error = Assert.Throws<ConfigurationException>(() => Poolings.Create("iDCT2").Pool(Random(11, 64, 1)));
        Assert.Equal("iDCT2 needs at least 12 residues (it drops the first and last and keeps 10 points); this protein has 11.", error.Message);
        Assert.Equal(640, Poolings.Create("iDCT2").Pool(Random(12, 64, 1)).Length);
    }

    [Fact]
    public void Pca_refuses_a_single_residue_while_kernel_pca_copes()
    {
        var single = Random(1, 32, 2);
        var error = Assert.Throws<ConfigurationException>(() => Poolings.Create("pca1").Pool(single));
        Assert.Contains("at least 2 residues", error.Message);
        // One residue: every channel scales to -1, the kernel is constant, centring makes it 0.
        Assert.All(Poolings.Create("rbf1").Pool(single), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Idct_values_are_integers_from_0_to_127_with_one_127_and_one_0_per_row()
    {
        var pooled = Poolings.Create("iDCT1").Pool(Random(50, 64, 4));
        Assert.All(pooled, v => Assert.True(v == Math.Floor(v) && v >= 0 && v <= 127));
        for (int row = 0; row < 5; row++)
        {
            var r = pooled.AsSpan(row * 44, 44).ToArray();
            Assert.Equal(127f, r.Max());
            Assert.Equal(0f, r.Min());
        }
    }

    [Theory]
    [InlineData("pca1", float.NaN)]
    [InlineData("rbf2", float.PositiveInfinity)]
    [InlineData("sigmoid1", float.NaN)]
    [InlineData("iDCT1", float.NegativeInfinity)]
    [InlineData("iDCT3", float.NaN)]
    public void Non_finite_states_are_reported_with_their_channel(string name, float bad)
    {
        var states = Random(30, 128, 6);
        states.Residues[7 * 128 + 93] = bad;
        var error = Assert.Throws<InputException>(() => Poolings.Create(name).Pool(states));
        Assert.StartsWith($"{name}: the residue states contain NaN or infinity (channel 93)", error.Message);
    }

    [Fact]
    public void Idct_of_constant_states_is_zero_instead_of_the_studys_undefined_nan()
    {
        var constant = new ResidueStates(Enumerable.Repeat(0.25f, 20 * 64).ToArray(), 20, 64, new float[64]);
        Assert.All(Poolings.Create("iDCT2").Pool(constant), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Poolings_are_deterministic_and_thread_safe()
    {
        var states = Random(300, 96, 5);
        foreach (var name in new[] { "pca1-2", "rbf1", "sigmoid2", "iDCT2" })
        {
            var pooling = Poolings.Create(name);
            var first = pooling.Pool(states);
            var parallel = new float[4][];
            Parallel.For(0, 4, i => parallel[i] = pooling.Pool(states));
            Assert.All(parallel, p => Assert.Equal(first, p));
        }
    }
}
