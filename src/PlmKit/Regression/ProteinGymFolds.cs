using System.Globalization;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>ProteinGym's supervised cross-validation schemes.</summary>
public enum ProteinGymScheme
{
    /// <summary><c>fold_random_5</c>: each variant drawn into a fold at random (numpy <c>randint</c>). Other substitutions at its site may sit in training.</summary>
    Random,

    /// <summary><c>fold_modulo_5</c>: mutated positions, sorted, dealt to folds in turn (i mod K), so a test fold's sites are never trained on but lie between trained ones.</summary>
    Modulo,

    /// <summary><c>fold_contiguous_5</c>: mutated positions, sorted, cut into K contiguous blocks, so a test fold is a region of the protein never seen in training.</summary>
    Contiguous,
}

/// <summary>
/// ProteinGym's fold columns (<c>fold_random_5</c>, <c>fold_modulo_5</c>, <c>fold_contiguous_5</c>)
/// generated for any single-mutant assay exactly as ProteinGym's split code does (ProteinNPT
/// <c>proteinnpt/utils/cv_split.py</c>): positions are those of the mutant strings, folds are
/// numbered 0..K−1, and the random scheme draws <c>numpy.random.randint(0, K, n)</c> from
/// <c>RandomState(seed)</c> — ProteinGym seeds 42 once before its loop over assays, so its file
/// for an assay equals this one where that assay's draws started from the fresh seed.
/// </summary>
public static class ProteinGymFolds
{
    /// <summary>ProteinGym's column name of a scheme: <c>fold_random_K</c>, <c>fold_modulo_K</c>, <c>fold_contiguous_K</c>.</summary>
    public static string ColumnName(ProteinGymScheme scheme, int k) => scheme switch
    {
        ProteinGymScheme.Random => "fold_random_",
        ProteinGymScheme.Modulo => "fold_modulo_",
        _ => "fold_contiguous_",
    } + k.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a column name such as <c>fold_modulo_5</c> into a scheme and K, or returns false
    /// (the name may be an ordinary fold column of the file).
    /// </summary>
    public static bool TryParse(string name, out ProteinGymScheme scheme, out int k)
    {
        foreach (var s in Enum.GetValues<ProteinGymScheme>())
        {
            var prefix = ColumnName(s, 0)[..^1];
            if (name.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out k) && k >= 2)
            {
                scheme = s;
                return true;
            }
        }
        (scheme, k) = (ProteinGymScheme.Random, 0);
        return false;
    }

    /// <summary>Fold (0..K−1) of every record of <paramref name="assay"/>, in record order.</summary>
    /// <exception cref="InputException">Records without a mutant, multi-mutants (ProteinGym builds these schemes on single mutants only), or fewer mutated positions than folds.</exception>
    public static int[] Assign(Assay assay, ProteinGymScheme scheme, int k, uint seed = 42)
    {
        if (k < 2) throw new ConfigurationException($"ProteinGym folds need K ≥ 2 (got {k})");
        var positions = new int[assay.Count];
        for (int i = 0; i < assay.Count; i++)
        {
            var record = assay.Records[i];
            if (record.Mutant is null || Mutations.IsWildType(record.Mutant))
                throw new InputException(assay.SourcePath, record.SourceLine, $"record '{record.Id}' has no substitution; {ColumnName(scheme, k)} assigns folds by mutated position");
            var subs = Mutations.Parse(record.Mutant);
            if (subs.Length > 1)
                throw new InputException(assay.SourcePath, record.SourceLine,
                    $"record '{record.Id}' is a multi-mutant ({record.Mutant}); ProteinGym builds {ColumnName(scheme, k)} on single mutants only (it drops multi-mutants first): keep the singles, or use --folds K");
            positions[i] = subs[0].Position;
        }
        var sites = positions.Distinct().Order().ToArray();
        if (sites.Length < k)
            throw new InputException(assay.SourcePath, null, $"{sites.Length} mutated positions are fewer than the {k} folds of {ColumnName(scheme, k)}");
        switch (scheme)
        {
            case ProteinGymScheme.Random:
                var random = new NumpyRandomState(seed);
                // randint(0, K, n): numpy's masked rejection on 32-bit draws, which Interval(K − 1) is.
                return positions.Select(_ => (int)random.Interval((uint)(k - 1))).ToArray();
            case ProteinGymScheme.Modulo:
                var modulo = sites.Select((site, i) => (site, fold: i % k)).ToDictionary(x => x.site, x => x.fold);
                return positions.Select(p => modulo[p]).ToArray();
            default:
                // divmod(n, K): the first n mod K blocks take one position more.
                int size = sites.Length / k, extra = sites.Length % k;
                var block = new Dictionary<int, int>();
                int next = 0;
                for (int f = 0; f < k; f++)
                    for (int j = 0; j < size + (f < extra ? 1 : 0); j++) block[sites[next++]] = f;
                return positions.Select(p => block[p]).ToArray();
        }
    }

    /// <summary>
    /// ProteinGym's folds for an assay with multi-mutants (ProteinNPT <c>cv_split.py</c>,
    /// <c>create_folds_random_multiples</c>, the <c>fold_rand_multiples</c> column of ProteinGym's
    /// multiples files): random folds stratified by mutational depth. Per depth d (ascending,
    /// pandas' groupby order) with n_d variants, <c>repeat(arange(K), ceil(n_d / K))[:n_d]</c> is
    /// shuffled with <c>np.random.shuffle</c> (one <c>RandomState(seed)</c> for all depths); the
    /// per-depth arrays are concatenated and assigned to the rows in file order, as the script's
    /// <c>.explode().values</c> does (so the strata are exact when the file is sorted by depth).
    /// Modulo and contiguous folds are not defined for multi-mutants: ProteinGym builds them on
    /// the singles only.
    /// </summary>
    /// <exception cref="InputException">A record without a substitution.</exception>
    public static int[] AssignMultiples(Assay assay, int k = 5, uint seed = 42)
    {
        if (k < 2) throw new ConfigurationException($"ProteinGym folds need K ≥ 2 (got {k})");
        var depth = new int[assay.Count];
        for (int i = 0; i < assay.Count; i++)
        {
            var record = assay.Records[i];
            if (record.Mutant is null || Mutations.IsWildType(record.Mutant))
                throw new InputException(assay.SourcePath, record.SourceLine, $"record '{record.Id}' has no substitution; ProteinGym's multi-mutant folds are stratified by the number of substitutions");
            depth[i] = Mutations.Parse(record.Mutant).Length;
        }
        var random = new NumpyRandomState(seed);
        var labels = new List<int>(assay.Count);
        foreach (var n in depth.GroupBy(d => d).OrderBy(g => g.Key).Select(g => g.Count()))
        {
            var size = (n + k - 1) / k;
            var group = Enumerable.Range(0, n).Select(i => i / size).ToArray();
            random.Shuffle(group);
            labels.AddRange(group);
        }
        return [.. labels];
    }

    /// <summary>True when any record of <paramref name="assay"/> has more than one substitution.</summary>
    public static bool HasMultiMutants(Assay assay) =>
        assay.Records.Any(r => r.Mutant is { } m && !Mutations.IsWildType(m) && Mutations.Parse(m).Length > 1);
}
