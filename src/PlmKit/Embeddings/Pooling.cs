namespace PlmKit.Embeddings;

/// <summary>
/// Per-residue hidden states of one protein at one layer, as the pooling methods see them.
/// </summary>
/// <param name="Residues">Row-major [Length, Hidden] states of the residues only (no BOS/EOS rows).</param>
/// <param name="Length">Number of residues L.</param>
/// <param name="Hidden">Hidden width D.</param>
/// <param name="Bos">The BOS (<c>&lt;cls&gt;</c>) row, length D.</param>
public sealed record ResidueStates(float[] Residues, int Length, int Hidden, float[] Bos)
{
    /// <summary>The state of residue <paramref name="i"/> (0-based), length D.</summary>
    public ReadOnlySpan<float> Row(int i) => Residues.AsSpan(i * Hidden, Hidden);
}

/// <summary>
/// Compresses a protein's per-residue states into one fixed-length vector (the study's
/// "compression methods"). Implementations are stateless and thread-safe.
/// </summary>
public interface IPooling
{
    /// <summary>The study's name of the method (<c>mean</c>, <c>bos</c>, <c>maxPool</c>, <c>pca1</c>, ...).</summary>
    string Name { get; }

    /// <summary>Length of the pooled vector for hidden width <paramref name="hidden"/>.</summary>
    /// <exception cref="ConfigurationException">The method cannot work at this width.</exception>
    int OutputLength(int hidden);

    /// <summary>Fewest residues the method can pool (PCA needs 2, iDCT n + 2); 1 unless overridden.</summary>
    int MinimumResidues => 1;

    /// <summary>Pools one protein. Returns a vector of length <see cref="OutputLength"/>.</summary>
    float[] Pool(ResidueStates states);
}
