using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>Which features a result row was fitted on (the results' <c>Feature_set</c> column).</summary>
public enum FeatureSet
{
    /// <summary>The features alone (one-hot, composition, an embedding, a feature CSV): the study's set-up.</summary>
    Plain,

    /// <summary>The zero-shot score alone, one column: the supervised baseline of the model's own head.</summary>
    ZeroShot,

    /// <summary>The features with the zero-shot score appended as one more column (ProteinGym's "augmented" models).</summary>
    Augmented,
}

/// <summary>The one parser and canonical key of <see cref="FeatureSet"/> (<c>plain</c>, <c>zero-shot</c>, <c>augmented</c>).</summary>
public static class FeatureSets
{
    /// <summary>The feature set named <paramref name="text"/>.</summary>
    /// <exception cref="ConfigurationException">Not <c>plain</c>, <c>zero-shot</c> or <c>augmented</c>.</exception>
    public static FeatureSet Parse(string text) => text switch
    {
        "plain" => FeatureSet.Plain,
        "zero-shot" => FeatureSet.ZeroShot,
        "augmented" => FeatureSet.Augmented,
        _ => throw new ConfigurationException($"unknown feature set '{text}' (plain, zero-shot, augmented)"),
    };

    /// <summary>The canonical name of <paramref name="set"/>, the one <see cref="Parse"/> reads and result rows carry.</summary>
    public static string Key(this FeatureSet set) => set switch
    {
        FeatureSet.ZeroShot => "zero-shot",
        FeatureSet.Augmented => "augmented",
        _ => "plain",
    };
}

/// <summary>
/// What <c>plmkit evaluate</c> fits on, parsed once from <c>--features</c> and <c>--zero-shot</c>:
/// <c>--features zero-shot --zero-shot S</c> is the score alone (<see cref="FeatureSet.ZeroShot"/>),
/// any other <c>--features F --zero-shot S</c> is F with the score appended
/// (<see cref="FeatureSet.Augmented"/>), and <c>--features F</c> alone is F (<see cref="FeatureSet.Plain"/>).
/// </summary>
/// <param name="Source">The <c>--features</c> value (<see cref="ZeroShotSource"/> for the score alone).</param>
/// <param name="ZeroShotPath">The scores (<c>plmkit score</c>'s <c>scores.csv</c> or its output folder), or null.</param>
public sealed record FeatureSettings(string Source, string? ZeroShotPath)
{
    /// <summary>The <c>--features</c> value that means "the zero-shot score alone".</summary>
    public const string ZeroShotSource = "zero-shot";

    /// <summary>Which features the rows are fitted on.</summary>
    public FeatureSet Set => Source == ZeroShotSource ? FeatureSet.ZeroShot : ZeroShotPath is null ? FeatureSet.Plain : FeatureSet.Augmented;

    /// <summary>The settings of <c>--features</c>, <c>--zero-shot</c>, <c>--layers</c> and <c>--pool</c>; a combination that means nothing is refused.</summary>
    /// <exception cref="ConfigurationException"><c>--features zero-shot</c> without <c>--zero-shot</c>, or with <c>--layers</c>/<c>--pool</c>.</exception>
    public static FeatureSettings Parse(string features, string? zeroShot, int? layer = null, string? pool = null)
    {
        if (features == ZeroShotSource)
        {
            if (zeroShot is null) throw new ConfigurationException("--features zero-shot needs --zero-shot FILE (the scores.csv of plmkit score)");
            if (layer is not null || pool is not null) throw new ConfigurationException("--layers and --pool apply to embedding folders, not to --features zero-shot");
        }
        return new FeatureSettings(features, zeroShot);
    }

    /// <summary>
    /// The feature matrix: <paramref name="loadSource"/>'s features, the score alone, or both
    /// (<see cref="ZeroShotScores.Augment"/>), each labelled with its <see cref="FeatureSet"/>.
    /// </summary>
    /// <exception cref="InputException">Scores that do not cover the assay (see <see cref="ZeroShotScores.Load"/>).</exception>
    public FeatureMatrix Load(Assay assay, Func<FeatureMatrix> loadSource)
    {
        if (Set == FeatureSet.Plain) return loadSource();
        var scores = ZeroShotScores.Load(ZeroShotPath!, assay);
        return Set == FeatureSet.ZeroShot ? scores.AsFeatures() : scores.Augment(loadSource());
    }
}

/// <summary>
/// Zero-shot scores of an assay's variants (<c>plmkit score</c>'s <c>scores.csv</c>: <c>id, mutant,
/// score</c>) joined onto the assay's rows by id, as features: one column alone, or one column
/// appended to other features (ProteinGym's "augmented" models), in the same folds as any features.
/// </summary>
/// <param name="Path">The scores file.</param>
/// <param name="Model">The scoring model (from <c>score.manifest.json</c> beside the file), else the file's folder name.</param>
/// <param name="Strategy">The scoring strategy (from the manifest), else empty.</param>
/// <param name="Values">One score per assay record, in record order.</param>
public sealed record ZeroShotScores(string Path, string Model, string Strategy, ImmutableArray<double> Values)
{
    /// <summary>The table <c>plmkit score</c> writes into its output folder.</summary>
    public const string TableName = "scores.csv";

    /// <summary>The manifest <c>plmkit score</c> writes beside it.</summary>
    public const string ManifestName = "score.manifest.json";

    /// <summary>
    /// Reads <paramref name="path"/> (a <c>scores.csv</c> or the folder holding it) and joins its
    /// <c>score</c> column onto <paramref name="assay"/>'s ids. An id may repeat (replicate rows
    /// of the assay) only with the same score.
    /// </summary>
    /// <exception cref="InputException">No such file, no <c>id</c>/<c>score</c> column, a score that is not a finite
    /// number, an id with two different scores, or assay ids without a score (one line: how many and the first few).</exception>
    public static ZeroShotScores Load(string path, Assay assay)
    {
        var file = Directory.Exists(path) ? System.IO.Path.Combine(path, TableName) : path;
        if (!File.Exists(file)) throw new InputException(file, null, "zero-shot scores not found (--zero-shot takes plmkit score's scores.csv or its output folder)");
        var table = CsvTable.Load(file);
        int idCol = table.Require("id", "id"), scoreCol = table.Require("score", "score");
        var scoreOf = new Dictionary<string, (double Score, int Line)>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var id = row.Fields[idCol];
            if (id.Length == 0) throw new InputException(file, row.Line, "empty id");
            var cell = row.Fields[scoreCol];
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !double.IsFinite(score))
                throw new InputException(file, row.Line, $"score '{cell}' of id '{id}' is not a finite number");
            if (scoreOf.TryGetValue(id, out var first))
            {
                if (first.Score != score)
                    throw new InputException(file, row.Line, $"id '{id}' appears again with another score (first on line {first.Line})");
                continue;
            }
            scoreOf[id] = (score, row.Line);
        }
        var ids = assay.Ids();
        var missing = ids.Where(id => !scoreOf.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InputException(file, null,
                $"{missing.Count} of {ids.Length} ids of {assay.Name} have no zero-shot score (first: {string.Join(", ", missing.Take(5))}); score the same assay with plmkit score");
        var (model, strategy) = Provenance(file);
        return new ZeroShotScores(System.IO.Path.GetFullPath(file), model, strategy, [.. ids.Select(id => scoreOf[id].Score)]);
    }

    /// <summary>The score alone: one column, <c>Model</c> the scoring model, <c>Compression_method</c> the strategy.</summary>
    public FeatureMatrix AsFeatures() =>
        new FeatureMatrix(Matrix<double>.Build.Dense(Values.Length, 1, (i, _) => Values[i]), Model, Strategy, null, [Path]) { Set = FeatureSet.ZeroShot };

    /// <summary><paramref name="features"/> with the score appended as column D+1; labels stay the features'.</summary>
    public FeatureMatrix Augment(FeatureMatrix features)
    {
        if (features.X.RowCount != Values.Length)
            throw new ArgumentException($"the features have {features.X.RowCount} rows, the scores {Values.Length}", nameof(features));
        int d = features.X.ColumnCount;
        var x = Matrix<double>.Build.Dense(Values.Length, d + 1, (i, j) => j < d ? features.X[i, j] : Values[i]);
        return features with { X = x, Sources = features.Sources.Add(Path), Set = FeatureSet.Augmented };
    }

    /// <summary>Model and strategy from the <c>score.manifest.json</c> beside <paramref name="file"/>, else the folder name and "".</summary>
    private static (string Model, string Strategy) Provenance(string file)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!;
        var fallback = (System.IO.Path.GetFileName(folder), "");
        var manifest = System.IO.Path.Combine(folder, ManifestName);
        if (!File.Exists(manifest)) return fallback;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            if (!doc.RootElement.TryGetProperty("config", out var config)) return fallback;
            string? Text(string key) => config.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var model = Text("model");
            return model is null ? fallback : (System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(model)), Text("strategy") ?? "");
        }
        catch (JsonException e)
        {
            throw new InputException(manifest, null, $"not a readable plmkit score manifest: {e.Message.Split(" Path:")[0]}");
        }
    }
}
