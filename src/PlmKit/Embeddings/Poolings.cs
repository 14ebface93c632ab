namespace PlmKit.Embeddings;

/// <summary>
/// The pooling (compression) methods by the study's names. <see cref="Create"/> and
/// <see cref="ParseList(IEnumerable{string}, string)"/> are the one place a name becomes an
/// <see cref="IPooling"/>; from there on code passes the objects, whose <see cref="IPooling.Name"/>
/// is the canonical key (store keys, file names <c>layer&lt;k&gt;.&lt;name&gt;.csv</c>, results).
/// </summary>
public static class Poolings
{
    private static readonly Dictionary<string, Func<IPooling>> Factories = new(StringComparer.Ordinal)
    {
        ["mean"] = () => new MeanPooling(),
        ["bos"] = () => new BosPooling(),
        ["maxPool"] = () => new MaxPooling(),
        ["pca1"] = () => new PcaPooling(ComponentSelection.First),
        ["pca2"] = () => new PcaPooling(ComponentSelection.Second),
        ["pca1-2"] = () => new PcaPooling(ComponentSelection.Both),
        ["rbf1"] = () => new KernelPcaPooling(PcaKernel.Rbf, ComponentSelection.First),
        ["rbf2"] = () => new KernelPcaPooling(PcaKernel.Rbf, ComponentSelection.Second),
        ["sigmoid1"] = () => new KernelPcaPooling(PcaKernel.Sigmoid, ComponentSelection.First),
        ["sigmoid2"] = () => new KernelPcaPooling(PcaKernel.Sigmoid, ComponentSelection.Second),
        ["iDCT1"] = () => Idct(0),
        ["iDCT2"] = () => Idct(1),
        ["iDCT3"] = () => Idct(2),
        ["iDCT4"] = () => Idct(3),
        ["iDCT5"] = () => Idct(4),
    };

    private static IdctPooling Idct(int variant)
    {
        var (name, n, m) = IdctPooling.StudyVariants[variant];
        return new IdctPooling(name, n, m);
    }

    /// <summary>All method names, in the study's order.</summary>
    public static IReadOnlyList<string> Names => Factories.Keys.ToList();

    /// <summary>The method called <paramref name="name"/> (case-sensitive, as in the study's tables).</summary>
    /// <exception cref="ConfigurationException">Unknown name; the message lists the known ones.</exception>
    public static IPooling Create(string name) => Lookup(name, null);

    /// <summary>
    /// Parses a comma-separated list such as <c>--pool mean,bos</c>: names trimmed, repeats removed
    /// (first kept), order kept.
    /// </summary>
    /// <param name="text">User input.</param>
    /// <param name="option">The option or key it came from, named in the message.</param>
    /// <exception cref="ConfigurationException">Empty list or an unknown name; the message lists the known ones.</exception>
    public static IReadOnlyList<IPooling> ParseList(string text, string option = "--pool") =>
        ParseList(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), option);

    /// <summary>Parses a list of names (an experiment file's <c>pools</c>); see <see cref="ParseList(string, string)"/>.</summary>
    /// <exception cref="ConfigurationException">Empty list or an unknown name.</exception>
    public static IReadOnlyList<IPooling> ParseList(IEnumerable<string> names, string option)
    {
        var pools = names.Select(n => n.Trim()).Distinct(StringComparer.Ordinal).Select(n => Lookup(n, option)).ToList();
        if (pools.Count == 0) throw new ConfigurationException($"{option}: no pooling given.");
        return pools;
    }

    private static IPooling Lookup(string name, string? option) =>
        Factories.TryGetValue(name, out var make) ? make()
        : throw new ConfigurationException($"{(option is null ? "" : option + ": ")}unknown pooling '{name}': use one of {string.Join(", ", Factories.Keys)}.");
}

/// <summary><c>mean</c>: average over the residues (BOS/EOS excluded), as fair-esm's extract.py.</summary>
public sealed class MeanPooling : IPooling
{
    /// <inheritdoc />
    public string Name => "mean";

    /// <inheritdoc />
    public int OutputLength(int hidden) => hidden;

    /// <inheritdoc />
    public float[] Pool(ResidueStates states)
    {
        // Accumulate in double: a 1,022-residue mean in float32 loses ~1e-6 relative.
        var sum = new double[states.Hidden];
        for (int i = 0; i < states.Length; i++)
        {
            var row = states.Row(i);
            for (int j = 0; j < sum.Length; j++) sum[j] += row[j];
        }
        var result = new float[states.Hidden];
        for (int j = 0; j < result.Length; j++) result[j] = (float)(sum[j] / states.Length);
        return result;
    }
}

/// <summary><c>bos</c>: the <c>&lt;cls&gt;</c> token's state.</summary>
public sealed class BosPooling : IPooling
{
    /// <inheritdoc />
    public string Name => "bos";

    /// <inheritdoc />
    public int OutputLength(int hidden) => hidden;

    /// <inheritdoc />
    public float[] Pool(ResidueStates states) => (float[])states.Bos.Clone();
}

/// <summary><c>maxPool</c>: per-channel maximum over the residues.</summary>
public sealed class MaxPooling : IPooling
{
    /// <inheritdoc />
    public string Name => "maxPool";

    /// <inheritdoc />
    public int OutputLength(int hidden) => hidden;

    /// <inheritdoc />
    public float[] Pool(ResidueStates states)
    {
        var result = states.Row(0).ToArray();
        for (int i = 1; i < states.Length; i++)
            System.Numerics.Tensors.TensorPrimitives.Max(result, states.Row(i), result);
        return result;
    }
}
