using PlmKit.Data;

namespace PlmKit.Statistics;

/// <summary>
/// The numbers a random-intercept model needs, read and checked from a table: response y (n),
/// fixed-effect design X (n × p, row-major, treatment coding), and for every grouping the
/// 0-based level index of each row. Groupings are ordered by number of levels, largest first,
/// as lme4 orders random-effect terms.
/// </summary>
internal sealed class MixedModelDesign
{
    public required double[] Y { get; init; }
    public required double[] X { get; init; }
    public required int P { get; init; }
    public required string[] Terms { get; init; }
    public required string?[] TermFactors { get; init; }
    public required string?[] TermLevels { get; init; }
    public required IReadOnlyList<FactorCoding> Factors { get; init; }
    public required string[] GroupNames { get; init; }
    public required int[][] GroupIndex { get; init; }
    public required int[] GroupLevelCounts { get; init; }
    public int N => Y.Length;

    public static MixedModelDesign Build(TidyTable data, MixedModelFormula formula)
    {
        if (formula.RandomIntercepts.Count == 0)
            throw new ConfigurationException("a mixed model needs at least one random intercept (e.g. (1|Dataset))");
        int n = data.RowCount;
        if (n == 0)
            throw new InputException(data.Source, null, "the table has no data rows");

        double[] y = data.Numbers(formula.Response);
        RequireFinite(data, formula.Response, y);

        var terms = new List<string> { "(Intercept)" };
        var termFactors = new List<string?> { null };
        var termLevels = new List<string?> { null };
        var factorCodes = new List<int[]>();
        var factors = new List<FactorCoding>();
        foreach (var effect in formula.Factors)
        {
            var labels = Labels(data, effect.Columns);
            var distinct = labels.Distinct(StringComparer.Ordinal).Order(FactorEffect.LevelOrder).ToList();
            if (distinct.Count < 2)
                throw new InputException(data.Source, null,
                    $"factor '{effect.Name}' has only one level ('{distinct[0]}'); it needs at least two to be compared");
            string reference = effect.Reference ?? distinct[0];
            if (!distinct.Remove(reference))
                throw new InputException(data.Source, null,
                    $"reference level '{reference}' does not occur in column '{effect.Name}' (levels: {string.Join(", ", distinct)})");
            distinct.Insert(0, reference);
            factors.Add(new FactorCoding(effect.Name, distinct, terms.Count));
            var codeOf = distinct.Select((l, i) => (l, i)).ToDictionary(t => t.l, t => t.i, StringComparer.Ordinal);
            factorCodes.Add([.. labels.Select(l => codeOf[l])]);
            foreach (var level in distinct.Skip(1))
            {
                terms.Add(effect.Name + level);
                termFactors.Add(effect.Name);
                termLevels.Add(level);
            }
        }
        var covariates = new List<double[]>();
        foreach (var name in formula.Covariates)
        {
            var values = data.Numbers(name);
            RequireFinite(data, name, values);
            covariates.Add(values);
            terms.Add(name);
            termFactors.Add(null);
            termLevels.Add(null);
        }

        int p = terms.Count;
        if (n <= p)
            throw new InputException(data.Source, null, $"{n} rows are too few for {p} fixed-effect coefficients");
        var x = new double[n * p];
        for (int i = 0; i < n; i++)
        {
            x[i * p] = 1.0;
            for (int f = 0; f < factors.Count; f++)
            {
                int code = factorCodes[f][i];
                if (code > 0) x[i * p + factors[f].FirstCoefficient + code - 1] = 1.0;
            }
            int c0 = p - covariates.Count;
            for (int c = 0; c < covariates.Count; c++) x[i * p + c0 + c] = covariates[c][i];
        }

        var groups = new List<(string Name, int[] Index, int Count)>();
        foreach (var term in formula.RandomIntercepts)
        {
            var labels = Labels(data, term.Columns);
            var codeOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = new int[n];
            for (int i = 0; i < n; i++)
            {
                if (!codeOf.TryGetValue(labels[i], out int code))
                    codeOf[labels[i]] = code = codeOf.Count;
                index[i] = code;
            }
            if (codeOf.Count < 2)
                throw new InputException(data.Source, null,
                    $"grouping '{term.Name}' has only one level; a random intercept needs at least two groups");
            if (codeOf.Count >= n)
                throw new InputException(data.Source, null,
                    $"grouping '{term.Name}' has a level for every row ({n}); its variance cannot be told apart from the residual");
            if (groups.Any(g => g.Name == term.Name))
                throw new ConfigurationException($"random intercept (1|{term.Name}) is given twice");
            groups.Add((term.Name, index, codeOf.Count));
        }
        // lme4 orders random-effect terms by decreasing number of levels (stable for ties).
        groups = [.. groups.OrderByDescending(g => g.Count)];

        return new MixedModelDesign
        {
            Y = y, X = x, P = p,
            Terms = [.. terms], TermFactors = [.. termFactors], TermLevels = [.. termLevels],
            Factors = factors,
            GroupNames = [.. groups.Select(g => g.Name)],
            GroupIndex = [.. groups.Select(g => g.Index)],
            GroupLevelCounts = [.. groups.Select(g => g.Count)],
        };
    }

    private static string[] Labels(TidyTable data, IReadOnlyList<string> columns)
    {
        var cells = columns.Select(data.Strings).ToArray();
        var labels = new string[data.RowCount];
        for (int i = 0; i < labels.Length; i++)
        {
            for (int c = 0; c < cells.Length; c++)
                if (cells[c][i].Trim().Length == 0)
                    throw new InputException(data.SourceOf(i), data.LineOf(i), $"column '{columns[c]}' is empty");
            labels[i] = cells.Length == 1 ? cells[0][i] : string.Join(":", cells.Select(col => col[i]));
        }
        return labels;
    }

    private static void RequireFinite(TidyTable data, string column, double[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new InputException(data.SourceOf(i), data.LineOf(i), $"column '{column}' has {values[i]}; a finite number is needed");
    }
}
