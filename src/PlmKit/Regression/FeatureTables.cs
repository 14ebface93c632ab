using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>
/// Reads feature vectors keyed by id (a CSV <c>id,f1,f2,…</c>, the layout <c>plmkit embed</c>
/// writes as <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c>) and fold files (<c>id,fold</c>), and joins them
/// onto an assay's rows by id, so their row order need not match the data.
/// </summary>
public static class FeatureTables
{
    /// <summary>
    /// The feature matrix for <paramref name="ids"/> (n_ids × n_features, in that order) from a
    /// CSV whose first column is the id and whose other columns are numbers.
    /// </summary>
    /// <exception cref="InputException">Bad file, a non-numeric or non-finite cell, a repeated id,
    /// or ids of the data missing from the file (the message names how many and the first few).</exception>
    public static Matrix<double> JoinCsv(string path, IReadOnlyList<string> ids)
    {
        var table = CsvTable.Load(path);
        if (table.Header.Length < 2) throw new InputException(path, table.HeaderLine, "a feature CSV needs an id column and at least one feature column");
        var p = table.Header.Length - 1;
        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new double[table.Rows.Count][];
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            var id = row.Fields[0];
            if (id.Length == 0) throw new InputException(path, row.Line, "empty id");
            if (!rowOf.TryAdd(id, r))
                throw new InputException(path, row.Line, $"id '{id}' appears again (first on line {table.Rows[rowOf[id]].Line})");
            var v = new double[p];
            for (var j = 0; j < p; j++)
            {
                var cell = row.Fields[j + 1];
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out v[j]) || !double.IsFinite(v[j]))
                    throw new InputException(path, row.Line, $"column '{table.Header[j + 1]}' of id '{id}' is '{cell}', not a finite number");
            }
            values[r] = v;
        }
        var missing = ids.Where(id => !rowOf.ContainsKey(id)).Distinct().ToList();
        if (missing.Count > 0)
            throw new InputException(path, null,
                $"{missing.Count} of {ids.Count} data ids have no feature row (first: {string.Join(", ", missing.Take(5))})");
        return Matrix<double>.Build.Dense(ids.Count, p, (i, j) => values[rowOf[ids[i]]][j]);
    }

    /// <summary>
    /// The features file inside a <c>plmkit embed</c> output directory: <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c>;
    /// without <paramref name="layer"/>/<paramref name="pool"/> the single matching file.
    /// </summary>
    /// <exception cref="ConfigurationException">No such file, or several and no layer/pool given.</exception>
    public static string EmbedFile(string directory, int? layer, string? pool)
    {
        var pattern = $"layer{(layer?.ToString(CultureInfo.InvariantCulture) ?? "*")}.{pool ?? "*"}.csv";
        var files = Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 1) return files[0];
        var available = string.Join(", ", Directory.GetFiles(directory, "layer*.csv").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (files.Length == 0)
            throw new ConfigurationException($"{directory}: no {pattern} (available: {(available.Length == 0 ? "none" : available)})");
        throw new ConfigurationException($"{directory}: several feature files match {pattern} ({available}); choose with --layer and --pool");
    }

    /// <summary>
    /// Fold labels for <paramref name="ids"/> from a CSV with columns <c>id</c> and <c>fold</c>.
    /// </summary>
    /// <exception cref="InputException">Missing columns, empty or repeated ids, empty or non-integer folds, or data ids without a fold.</exception>
    public static string[] JoinFolds(string path, IReadOnlyList<string> ids)
    {
        var table = CsvTable.Load(path);
        var idCol = table.Require("id", "id");
        var foldCol = table.Require("fold", "fold");
        var foldOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var id = row.Fields[idCol];
            if (id.Length == 0) throw new InputException(path, row.Line, "empty id");
            var fold = row.Fields[foldCol];
            if (fold.Length == 0) throw new InputException(path, row.Line, $"id '{id}' has an empty fold");
            // Folds are whole numbers, as in an assay's own fold column (AssayReader).
            if (!long.TryParse(fold, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                throw new InputException(path, row.Line, $"fold '{fold}' of id '{id}' is not an integer");
            if (!foldOf.TryAdd(id, fold)) throw new InputException(path, row.Line, $"id '{id}' appears again");
        }
        var missing = ids.Where(id => !foldOf.ContainsKey(id)).Distinct().ToList();
        if (missing.Count > 0)
            throw new InputException(path, null, $"{missing.Count} of {ids.Count} data ids have no fold (first: {string.Join(", ", missing.Take(5))})");
        return ids.Select(id => foldOf[id]).ToArray();
    }
}
