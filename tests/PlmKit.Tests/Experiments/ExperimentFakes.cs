using System.Globalization;
using System.Text;
using PlmKit.Data;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Regression;
using PlmKit.StoreWorker;

namespace PlmKit.Tests.Experiments;

/// <summary>Opens synthetic models by name and counts how many sequences each embedded.</summary>
internal sealed class FakeModels : IEmbeddingSourceFactory
{
    public Dictionary<string, SyntheticSource> Opened { get; } = [];

    public IEmbeddingSource Open(string model, EmbedSettings settings)
    {
        if (model.StartsWith("missing", StringComparison.Ordinal))
            throw new ModelLoadException($"model {model} not found");
        lock (Opened)
            return Opened.TryGetValue(model, out var open) ? open : Opened[model] = new SyntheticSource(dimension: 6, model: model);
    }

    public int Embedded => Opened.Values.Sum(s => s.Embedded);
}

/// <summary>
/// A cheap deterministic stand-in for the LassoCV evaluation: per outer fold it scores the mean of
/// the first feature on that fold's rows, so rows depend on the features, the cell and the fold.
/// </summary>
internal sealed class FakeEvaluator : ICellEvaluator
{
    private int _evaluated;

    public int Evaluated => Volatile.Read(ref _evaluated);

    public IReadOnlyList<ResultRow> Evaluate(ExperimentCell cell, Assay assay, double[][] features)
    {
        Interlocked.Increment(ref _evaluated);
        Assert.Equal(assay.Count, features.Length);
        return Enumerable.Range(0, cell.Folds).Select(fold =>
        {
            var rows = Enumerable.Range(0, features.Length).Where(i => i % cell.Folds == fold).ToList();
            double score = rows.Average(i => features[i][0]) + (cell.Protocol == ScalingProtocol.Paper ? 0.5 : 0);
            return new ResultRow(cell.Dataset, cell.ModelName, cell.Pool, fold, score, 1, 2, score / 2, 3, 4,
                double.NaN, 0.25, 7, cell.Layer, 0.01, features.Length - rows.Count, rows.Count, 0, cell.TrainSize ?? features.Length - rows.Count,
                cell.Regressor.Key, cell.Protocol.Key(), 4, 16, "plain");
        }).ToList();
    }
}

/// <summary>Writes small study-format (SWAT) DMS files with valid single mutants.</summary>
internal static class FakeAssays
{
    public static string Write(string dir, string name, int variants, int seed)
    {
        var rng = new Random(seed);
        const string letters = "ACDEFGHIKLMNPQRSTVWY";
        var wt = new string(Enumerable.Range(0, 40).Select(_ => letters[rng.Next(20)]).ToArray());
        var csv = new StringBuilder(",ID,mutant,target,sequence\n");
        var seen = new HashSet<string>();
        for (int row = 0; seen.Count < variants;)
        {
            int pos = rng.Next(wt.Length);
            char to = letters[rng.Next(20)];
            if (to == wt[pos] || !seen.Add($"{pos}{to}"))
                continue;
            var seq = wt[..pos] + to + wt[(pos + 1)..];
            var mutant = $"{wt[pos]}{pos + 1}{to}";
            csv.Append(CultureInfo.InvariantCulture, $"{row},{name}_{mutant},{mutant},{rng.NextDouble():F4},{seq}\n");
            row++;
        }
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }
}
