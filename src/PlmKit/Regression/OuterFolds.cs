using System.Collections.Immutable;

namespace PlmKit.Regression;

/// <summary>
/// An assignment of rows to outer cross-validation folds. Fold k's test rows are the rows
/// labelled k; its training rows are all others; both are returned in ascending row order.
/// </summary>
/// <param name="FoldOfRow">0-based fold of each row, length n_rows.</param>
/// <param name="FoldCount">Number of folds K (every fold has at least one row).</param>
/// <param name="Description">How the folds were made, for manifests (e.g. <c>KFold(5, shuffle, seed 42)</c>).</param>
public sealed record FoldAssignment(ImmutableArray<int> FoldOfRow, int FoldCount, string Description)
{
    /// <summary>Test rows of fold <paramref name="fold"/> (0-based), ascending.</summary>
    public int[] TestRows(int fold) => Enumerable.Range(0, FoldOfRow.Length).Where(i => FoldOfRow[i] == fold).ToArray();

    /// <summary>Training rows of fold <paramref name="fold"/> (0-based), ascending.</summary>
    public int[] TrainRows(int fold) => Enumerable.Range(0, FoldOfRow.Length).Where(i => FoldOfRow[i] != fold).ToArray();
}

/// <summary>Ways to make outer folds: shuffled K-fold, explicit labels, and grouped K-fold.</summary>
public static class OuterFolds
{
    /// <summary>
    /// scikit-learn's <c>KFold(k, shuffle=True, random_state=seed)</c>: rows permuted by numpy's
    /// legacy <c>RandomState(seed).shuffle(arange(n))</c>, then cut into consecutive blocks of
    /// size n/k, the first n%k one larger. Reproduces the study's folds exactly.
    /// </summary>
    /// <exception cref="ConfigurationException">k &lt; 2 or k &gt; n.</exception>
    public static FoldAssignment ShuffledKFold(int n, int k, uint seed)
    {
        CheckK(n, k);
        var perm = Enumerable.Range(0, n).ToArray();
        new NumpyRandomState(seed).Shuffle(perm);
        var fold = new int[n];
        var blocks = LassoCV.KFoldBlocks(n, k);
        for (var f = 0; f < k; f++)
            for (var i = blocks[f].Start; i < blocks[f].Start + blocks[f].Count; i++) fold[perm[i]] = f;
        return new FoldAssignment(fold.ToImmutableArray(), k, $"KFold({k}, shuffle=True, random_state={seed})");
    }

    /// <summary>
    /// Folds from one label per row (a fold column, or a file <c>id,fold</c>). Distinct labels are
    /// sorted (numerically when all are integers) and numbered 0..K-1 in that order.
    /// </summary>
    /// <exception cref="ConfigurationException">Fewer than 2 distinct labels.</exception>
    public static FoldAssignment FromLabels(IReadOnlyList<string> labels, string source)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count < 2)
            throw new ConfigurationException($"{source}: the folds need at least 2 distinct labels, found {distinct.Count}.");
        var numeric = distinct.All(l => long.TryParse(l, out _));
        distinct.Sort((a, b) => numeric ? long.Parse(a).CompareTo(long.Parse(b)) : string.CompareOrdinal(a, b));
        var index = distinct.Select((l, i) => (l, i)).ToDictionary(t => t.l, t => t.i, StringComparer.Ordinal);
        return new FoldAssignment(labels.Select(l => index[l]).ToImmutableArray(), distinct.Count, $"explicit folds from {source}");
    }

    /// <summary>
    /// Grouped K-fold as scikit-learn 1.2.1's <c>GroupKFold</c>: every row of a group lands in the
    /// same fold; groups are taken largest first (equal sizes: larger label first, as
    /// <c>argsort(sizes)[::-1]</c> gives for a stable sort) and each goes to the fold with the
    /// fewest rows so far (ties: the lowest fold). With the mutated sites as groups
    /// (<see cref="PlmKit.Data.SiteGroups"/>), all variants of one site are tested together.
    /// </summary>
    /// <param name="groups">Group label per row.</param>
    /// <param name="k">Number of folds.</param>
    /// <exception cref="ConfigurationException">Fewer groups than folds.</exception>
    public static FoldAssignment GroupKFold(IReadOnlyList<int> groups, int k)
    {
        CheckK(groups.Count, k);
        var sizes = groups.GroupBy(g => g).Select(g => (Label: g.Key, Size: g.Count())).OrderBy(t => t.Label).ToList();
        if (sizes.Count < k)
            throw new ConfigurationException($"cannot make {k} grouped folds from {sizes.Count} groups.");
        var order = sizes.OrderBy(t => t.Size).Reverse();
        var load = new int[k];
        var foldOfGroup = new Dictionary<int, int>();
        foreach (var (label, size) in order)
        {
            var f = Array.IndexOf(load, load.Min());
            foldOfGroup[label] = f;
            load[f] += size;
        }
        return new FoldAssignment(groups.Select(g => foldOfGroup[g]).ToImmutableArray(), k, $"GroupKFold({k}) by mutated site");
    }

    private static void CheckK(int n, int k)
    {
        if (k < 2) throw new ConfigurationException($"the number of folds must be at least 2, got {k}.");
        if (k > n) throw new ConfigurationException($"cannot make {k} folds from {n} rows.");
    }
}
