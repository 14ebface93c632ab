using System.Collections.Immutable;

namespace PlmKit.Data;

/// <summary>How <see cref="SiteGroups.Of"/> groups variants by their mutated sites.</summary>
public enum SiteGrouping
{
    /// <summary>Variants with exactly the same set of mutated positions form a group (all singles at position 24 together).</summary>
    PositionSet,

    /// <summary>
    /// Variants that share any mutated position are in one group, transitively (A24C, A24C:G30W
    /// and G30W together), so no site is seen on both sides of a split. With many multi-mutants
    /// this can merge most of an assay into one group.
    /// </summary>
    Connected,
}

/// <summary>
/// Groups the variants of a DMS assay by mutated site, for cross-validation that keeps all
/// variants of one site in the same fold (sites in the mutant strings' numbering).
/// </summary>
public static class SiteGroups
{
    /// <summary>
    /// Group label per record of <paramref name="assay"/> (length <c>Count</c>), labels
    /// 0..k-1 numbered in order of first appearance. Wild-type rows (no substitution) form one
    /// group of their own.
    /// </summary>
    /// <exception cref="InputException">A record has no mutant string (the assay is not a DMS assay).</exception>
    public static int[] Of(Assay assay, SiteGrouping grouping = SiteGrouping.PositionSet)
    {
        var sites = assay.Records.Select(r => r.Mutant is null
            ? throw new InputException(assay.SourcePath, r.SourceLine, $"record '{r.Id}' has no mutant string: site groups need DMS mutants")
            : Mutations.Sites(r.Mutant)).ToArray();
        return grouping == SiteGrouping.PositionSet ? ByPositionSet(sites) : Connected(sites);
    }

    private static int[] ByPositionSet(IReadOnlyList<ImmutableArray<int>> sites)
    {
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[sites.Count];
        for (int i = 0; i < sites.Count; i++)
        {
            var key = string.Join(':', sites[i]);
            if (!labels.TryGetValue(key, out var label)) labels[key] = label = labels.Count;
            result[i] = label;
        }
        return result;
    }

    private static int[] Connected(IReadOnlyList<ImmutableArray<int>> sites)
    {
        // Union-find over records: each position links the records that mutate it.
        var parent = Enumerable.Range(0, sites.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        var owner = new Dictionary<int, int>();
        int wildType = -1;
        for (int i = 0; i < sites.Count; i++)
        {
            if (sites[i].Length == 0)
            {
                if (wildType < 0) wildType = i; else parent[Find(i)] = Find(wildType);
                continue;
            }
            foreach (var p in sites[i])
            {
                if (owner.TryGetValue(p, out var j)) parent[Find(i)] = Find(j);
                else owner[p] = i;
            }
        }
        var labels = new Dictionary<int, int>();
        var result = new int[sites.Count];
        for (int i = 0; i < sites.Count; i++)
        {
            int root = Find(i);
            if (!labels.TryGetValue(root, out var label)) labels[root] = label = labels.Count;
            result[i] = label;
        }
        return result;
    }
}
