using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Data;
using PlmKit.Regression;
using PlmKit.Statistics;

namespace PlmKit.Experiments;

/// <summary>One dataset of an experiment.</summary>
/// <param name="Path">Assay file (relative paths are resolved against the experiment file's folder).</param>
/// <param name="Format">Reader format (<c>auto</c>, <c>swat</c>, <c>proteingym</c>, <c>fasta-csv</c>, <c>csv</c>).</param>
/// <param name="Name">Dataset name for the results (default: from the file).</param>
/// <param name="Targets">For <c>fasta-csv</c>: the targets CSV (<c>id,target</c>), relative like <paramref name="Path"/>.</param>
/// <param name="DropInvalid">Leave out rows that fail the input checks instead of stopping (<see cref="Data.AssayReadOptions.DropInvalid"/>); they are reported and recorded in the manifest.</param>
/// <param name="ZeroShot">Zero-shot scores of the dataset's variants (<c>plmkit score</c>'s <c>scores.csv</c> or its folder), relative like <paramref name="Path"/>; needed by the <c>zero-shot</c> and <c>augmented</c> feature sets.</param>
public sealed record DatasetSpec(string Path, string Format = "auto", string? Name = null, string? Targets = null, bool DropInvalid = false, string? ZeroShot = null);

/// <summary>The mixed model fitted on the results after a run (what <c>plmkit stats</c> does, with the same keys and defaults).</summary>
/// <param name="Effect">Categorical fixed effect column(s), e.g. <c>Compression_method</c> or <c>Model</c> (<c>A:B</c> combines columns).</param>
/// <param name="Random">Random-intercept groupings, e.g. <c>Dataset/Fold</c> (the study's).</param>
/// <param name="Response">Response column.</param>
/// <param name="Reference">Reference level of the effect, e.g. <c>mean</c> (the study's); null: the first level in sorted order, as R's <c>factor()</c>.</param>
/// <param name="Covariates">Numeric covariate columns (one fixed slope each), <c>stats --covariate</c>.</param>
/// <param name="Criterion"><c>reml</c> (lme4's default) or <c>ml</c>, <c>stats --ml</c>.</param>
/// <param name="Contrasts"><c>dunnett</c> (each level against the reference) or <c>tukey</c> (all pairs), <c>stats --pairs</c>.</param>
/// <param name="Adjust">P-value adjustment: <c>single-step</c>, <c>holm</c>, <c>bonferroni</c> or <c>none</c>, <c>stats --adjust</c>.</param>
/// <param name="Margin">Equivalence margin (TOST of every level against the best), <c>stats --margin</c>; null for none.</param>
/// <param name="OrderBy">With <paramref name="Margin"/>: numeric column of each level's size, <c>stats --order-by</c>.</param>
public sealed record StatisticsSpec(
    string Effect = "Compression_method",
    IReadOnlyList<string>? Random = null,
    string Response = "R2_score_test",
    string? Reference = null,
    IReadOnlyList<string>? Covariates = null,
    string Criterion = "reml",
    string Contrasts = "dunnett",
    string Adjust = "single-step",
    double? Margin = null,
    string? OrderBy = null)
{
    /// <summary>The random-intercept groupings, the study's <c>Dataset/Fold</c> by default.</summary>
    public IReadOnlyList<string> RandomOrDefault => Random is { Count: > 0 } r ? r : ["Dataset/Fold"];

    /// <summary>The typed settings, parsed by the same parsers as <c>plmkit stats</c>.</summary>
    /// <exception cref="ConfigurationException">An unknown criterion, contrast family or adjustment, a bad margin, or an order-by column without a margin.</exception>
    public StudyAnalysisSettings Settings()
    {
        var settings = StudyAnalysisSettings.Of(Response, Effect, RandomOrDefault, Reference) with
        {
            Covariates = Covariates ?? [],
            Criterion = StudyAnalysisKeys.ParseCriterion(Criterion),
            Contrasts = StudyAnalysisKeys.ParseContrasts(Contrasts),
            Adjustment = StudyAnalysisKeys.ParseAdjustment(Adjust),
            Margin = Margin,
            OrderBy = OrderBy,
        };
        settings.Validate();
        return settings;
    }
}

/// <summary>
/// An experiment grid: datasets × models × layers × pools × regressors × protocols (× train sizes),
/// read from JSON (or TOML). Every combination is one cell of the results.
/// </summary>
public sealed record ExperimentConfig
{
    /// <summary>Experiment name (used in the manifest).</summary>
    public string Name { get; init; } = "experiment";

    /// <summary>Datasets to evaluate on.</summary>
    public IReadOnlyList<DatasetSpec> Datasets { get; init; } = [];

    /// <summary>Models: zoo names, Hugging Face folders or fair-esm <c>.pt</c> files.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Layers (0 = embedding layer); negative values count from the last (−1 = last layer).</summary>
    public IReadOnlyList<int> Layers { get; init; } = [-1];

    /// <summary>Pooling (compression) methods, the study's names.</summary>
    public IReadOnlyList<string> Pools { get; init; } = ["mean"];

    /// <summary>
    /// Feature sets (<see cref="Regression.FeatureSets"/>): <c>plain</c> (the embeddings, the study's),
    /// <c>augmented</c> (each embedding with the dataset's zero-shot score as one more column) and
    /// <c>zero-shot</c> (the score alone: one cell per dataset, regressor, protocol and size, not per
    /// model). The last two need <see cref="DatasetSpec.ZeroShot"/> on every dataset.
    /// </summary>
    public IReadOnlyList<string> FeatureSets { get; init; } = [FeatureSet.Plain.Key()];

    /// <summary>The feature sets, parsed.</summary>
    /// <exception cref="ConfigurationException">An unknown name.</exception>
    public IReadOnlyList<FeatureSet> ParsedFeatureSets() => FeatureSets.Select(Regression.FeatureSets.Parse).ToList();

    /// <summary>Regressors (<c>lasso</c>, <c>ridge</c>).</summary>
    public IReadOnlyList<string> Regressors { get; init; } = [RegressorSpec.Default.Name];

    /// <summary>
    /// LassoCV settings of the <c>lasso</c> regressor (<c>nAlphas, eps, cv, maxIter, tol</c>), or null
    /// for the study's (<see cref="LassoSettings.Study"/>); keys left out keep the study's value.
    /// </summary>
    public LassoSettings? Lasso { get; init; }

    /// <summary>Evaluation protocols (<c>paper</c>, <c>default</c>).</summary>
    public IReadOnlyList<string> Protocols { get; init; } = [ScalingProtocol.Default.Key()];

    /// <summary>Training-set sizes for learning curves; empty = use all training rows.</summary>
    public IReadOnlyList<int> TrainSizes { get; init; } = [];

    /// <summary>Random subsamples per training size (learning curves).</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>
    /// Outer folds: a number K (shuffled K-fold with <see cref="Seed"/>, the study's), or one of
    /// ProteinGym's schemes <c>proteingym-random</c>, <c>proteingym-modulo</c>,
    /// <c>proteingym-contiguous</c> (the same words as <c>plmkit evaluate --folds</c>).
    /// </summary>
    [JsonConverter(typeof(NumberOrStringConverter))]
    public string Folds { get; init; } = FoldScheme.DefaultK.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <see cref="Folds"/> parsed by <see cref="FoldScheme.Parse"/> (the one parse of <c>--folds</c>):
    /// <see cref="FoldScheme.Shuffled"/> or a learning curve for a number K (per cell), or a
    /// <see cref="FoldScheme.ProteinGym"/> scheme.
    /// </summary>
    /// <exception cref="ConfigurationException">Anything else (fold files and columns are per dataset, not per experiment).</exception>
    [JsonIgnore]
    public FoldScheme FoldScheme
    {
        get
        {
            bool isK = int.TryParse(Folds, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k);
            if (isK && k < 2) throw new ConfigurationException($"'folds' must be at least 2 (got {k})");
            if (!isK && !Folds.StartsWith(FoldScheme.ProteinGymPrefix, StringComparison.Ordinal))
                throw new ConfigurationException($"'folds' is '{Folds}': give a number K ≥ 2 or proteingym-random, proteingym-modulo, proteingym-contiguous");
            var scheme = FoldScheme.Parse(Folds, isK || Folds == FoldScheme.ProteinGymPrefix + "random" ? Seed : null);
            if (scheme is FoldScheme.ProteinGym && TrainSizes.Count > 0)
                throw new ConfigurationException($"'trainSizes' does not combine with 'folds' {Folds} (learning curves cut shuffled folds per subsample)");
            return scheme;
        }
    }

    /// <summary>Outer folds K of <see cref="Folds"/> (ProteinGym's schemes have 5).</summary>
    [JsonIgnore]
    public int FoldCount => FoldScheme switch { FoldScheme.Shuffled s => s.K, FoldScheme.ProteinGym p => p.K, _ => FoldScheme.DefaultK };

    /// <summary>Seed of the outer folds and subsampling.</summary>
    public int Seed { get; init; } = (int)FoldScheme.DefaultSeed;

    /// <summary>Mixed model to fit on the results table after the run, or null for none.</summary>
    public StatisticsSpec? Statistics { get; init; }

    /// <summary>Figures drawn after the run into <c>out/figures/</c>, or null for those the grid supports (see <see cref="RunFigures.Plan"/>).</summary>
    public FiguresSpec? Figures { get; init; }

    /// <summary>Compute dtype of the embedder (<c>fp32</c>, <c>bf16</c>; <see cref="EmbedDtypes"/>).</summary>
    public string Dtype { get; init; } = EmbedDtype.Fp32.Key();

    /// <summary>Long-sequence policy (<c>error</c>, <c>truncate</c>, <c>windows</c>); the default is the CLI's, <see cref="LongSequencePolicies.Default"/>.</summary>
    public string Long { get; init; } = LongSequencePolicies.Default.Key();

    /// <summary>Dtype, long-sequence policy and device as typed settings (the one parse of <see cref="Dtype"/> and <see cref="Long"/>).</summary>
    /// <exception cref="ConfigurationException">An unknown dtype or policy; the message names the key.</exception>
    [JsonIgnore]
    public EmbedSettings EmbedSettings => new(EmbedDtypes.Parse(Dtype, "dtype"), LongSequencePolicies.Parse(Long, "long"), Device,
        MaxMemory is null ? null : MemoryPlanner.ParseSize(MaxMemory, "maxMemory"));

    /// <summary>Memory budget of the embedder (<c>8GB</c>, <c>3.5GB</c>; <see cref="MemoryPlanner.ParseSize"/>): models that do not fit run
    /// layer-streamed; null: the memory available when each model is opened.</summary>
    public string? MaxMemory { get; init; }

    /// <summary><see cref="Pools"/> as pooling methods (the one parse of the names).</summary>
    /// <exception cref="ConfigurationException">An unknown name; the message lists the known ones.</exception>
    [JsonIgnore]
    public IReadOnlyList<IPooling> Poolings => Embeddings.Poolings.ParseList(Pools, "pools");

    /// <summary>Device (<c>auto</c>, <c>cpu</c>, <c>cuda</c>).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Store directory (embeddings and the cell cache); relative to the experiment file.</summary>
    public string Store { get; init; } = "store";

    /// <summary>Output directory (results table, manifest); relative to the experiment file.</summary>
    public string Out { get; init; } = "results";

    /// <summary>The experiment file the config was read from, for messages; null when it was built in code.</summary>
    [JsonIgnore]
    public string? Source { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    /// <summary>The regressors, parsed (the <c>lasso</c> one with <see cref="Lasso"/>).</summary>
    /// <exception cref="ConfigurationException">An unknown regressor or a LassoCV setting out of range.</exception>
    public IReadOnlyList<RegressorSpec> ParsedRegressors() =>
        Regressors.Select(r => RegressorSpec.Parse(r, r == "lasso" ? Lasso : null)).ToList();

    /// <summary>The scaling protocols, parsed.</summary>
    /// <exception cref="ConfigurationException">An unknown protocol.</exception>
    public IReadOnlyList<ScalingProtocol> ParsedProtocols() => Protocols.Select(ScalingProtocols.Parse).ToList();

    /// <summary>The config as indented JSON (for the manifest).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Reads an experiment file (<c>.json</c>, or <c>.toml</c> with the same keys), resolves its
    /// relative paths against the file's folder and checks it.
    /// </summary>
    /// <exception cref="InputException">Unreadable or malformed file, unknown key, bad value.</exception>
    public static ExperimentConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, null, "experiment file not found");
        string text = File.ReadAllText(path);
        ExperimentConfig? config;
        try
        {
            if (path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase))
                text = TomlToJson(path, text);
            config = JsonSerializer.Deserialize<ExperimentConfig>(text, Json);
        }
        catch (JsonException e)
        {
            int? line = e.LineNumber is long l ? (int)l + 1 : null;
            throw new InputException(path, line, $"not a valid experiment: {Explain(e)}");
        }
        if (config is null)
            throw new InputException(path, null, "the experiment file is empty");
        string baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string Resolve(string p) => System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, p));
        config = config with
        {
            Datasets = config.Datasets.Select(d => d with
            {
                Path = Resolve(d.Path),
                Targets = d.Targets is null ? null : Resolve(d.Targets),
                ZeroShot = d.ZeroShot is null ? null : Resolve(d.ZeroShot),
            }).ToList(),
            // Models that name an existing file or folder relative to the experiment are resolved; zoo names stay.
            Models = config.Models.Select(m => Path.Exists(System.IO.Path.Combine(baseDir, m)) ? Resolve(m) : m).ToList(),
            Store = Resolve(config.Store),
            Out = Resolve(config.Out),
            Source = path,
        };
        config.Validate(path);
        return config;
    }

    // System.Text.Json's messages speak of .NET members and types; a user wrote keys and values.
    private static string Explain(JsonException e)
    {
        var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, @"The JSON property '(?<key>[^']+)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'");
        if (unknown.Success)
        {
            var type = typeof(ExperimentConfig).Assembly.GetType(unknown.Groups["type"].Value);
            var known = type?.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                .Where(p => p.GetCustomAttributes(typeof(JsonIgnoreAttribute), true).Length == 0)
                .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToList();
            return $"unknown key '{unknown.Groups["key"].Value}'" + (known is { Count: > 0 } ? $" (known keys here: {string.Join(", ", known)})" : "");
        }
        string where = e.Path is { Length: > 1 } jsonPath ? $"key '{jsonPath.TrimStart('$', '.')}'" : "the file";
        var converted = System.Text.RegularExpressions.Regex.Match(e.Message, @"could not be converted to (?<type>[\w.`\[\], ]+)");
        if (converted.Success)
        {
            string expected = converted.Groups["type"].Value switch
            {
                var t when t.Contains("String") && t.Contains("List") => "a list of strings",
                var t when t.Contains("Int32") && t.Contains("List") => "a list of whole numbers",
                var t when t.Contains("List") || t.Contains("[]") => "a list",
                var t when t.Contains("Int32") || t.Contains("Int64") => "a whole number",
                var t when t.Contains("Double") => "a number",
                var t when t.Contains("String") => "a string",
                var t when t.Contains("Boolean") => "true or false",
                _ => "another kind of value",
            };
            return $"{where} has a value of the wrong kind; expected {expected}";
        }
        return e.Message.Split(" Path:")[0].Split(" LineNumber:")[0];
    }

    /// <summary>Checks every list and value; the message names the file and the key.</summary>
    public void Validate(string source)
    {
        void Need(bool ok, string problem)
        {
            if (!ok)
                throw new InputException(source, null, problem);
        }
        // The settings' own parsers give the messages, so the CLI and experiment files word them alike.
        void Parses(Action parse, string? context = null)
        {
            try
            {
                parse();
            }
            catch (ConfigurationException e)
            {
                throw new InputException(source, null, context is null ? e.Message : $"{context}: {e.Message}");
            }
        }
        Need(Datasets.Count > 0, "'datasets' is empty: list at least one assay file");
        Need(Models.Count > 0, "'models' is empty: list at least one model");
        Need(Layers.Count > 0 && Pools.Count > 0 && Regressors.Count > 0 && Protocols.Count > 0,
            "'layers', 'pools', 'regressors' and 'protocols' need at least one entry each");
        foreach (var d in Datasets)
        {
            Need(File.Exists(d.Path), $"dataset file {d.Path} not found");
            Parses(() => AssayFormats.Parse(d.Format), $"dataset {d.Path}");
            Need(d.Format != "fasta-csv" || d.Targets is not null, $"dataset {d.Path}: format fasta-csv needs 'targets' (a CSV id,target)");
            Need(d.Targets is null || d.Format is "fasta-csv" or "auto", $"dataset {d.Path}: 'targets' applies to FASTA input only (format fasta-csv), not to format {d.Format}");
        }
        foreach (var (key, list) in new[] { ("datasets", Datasets.Select(d => d.Path)), ("models", Models), ("pools", Pools), ("regressors", Regressors), ("protocols", Protocols) })
            Need(list.Distinct().Count() == list.Count(), $"'{key}' lists an entry twice");
        Need(Layers.Distinct().Count() == Layers.Count, "'layers' lists a layer twice");
        Parses(() => ParsedRegressors());
        Parses(() => ParsedFeatureSets());
        Need(FeatureSets.Count > 0 && FeatureSets.Distinct().Count() == FeatureSets.Count, "'featureSets' needs at least one entry and lists none twice");
        bool scored = FeatureSets.Any(f => f != FeatureSet.Plain.Key());
        foreach (var d in Datasets)
        {
            Need(!scored || d.ZeroShot is not null,
                $"dataset {d.Path}: 'featureSets' lists {string.Join(", ", FeatureSets.Where(f => f != FeatureSet.Plain.Key()))}, which needs the dataset's 'zeroShot' (plmkit score's scores.csv)");
            Need(scored || d.ZeroShot is null, $"dataset {d.Path}: 'zeroShot' is used only by the feature sets zero-shot and augmented, which 'featureSets' does not list");
        }
        Parses(() => ParsedProtocols());
        Need(Lasso is null || Regressors.Contains("lasso"), "'lasso' settings apply to the lasso regressor, which 'regressors' does not list");
        try
        {
            _ = EmbedSettings;
            _ = Poolings;
        }
        catch (ConfigurationException e)
        {
            throw new InputException(source, null, e.Message);
        }
        Need(Repeats >= 1, $"'repeats' must be at least 1 (got {Repeats})");
        Parses(() => _ = FoldScheme);
        if (Statistics is { } statistics) Parses(() => statistics.Settings(), "statistics");
        Need(TrainSizes.All(n => n >= 2) && TrainSizes.Distinct().Count() == TrainSizes.Count, "'trainSizes' must be distinct numbers ≥ 2");
        // Checked here, before any work: a figure the grid cannot support would otherwise fail after hours of embedding.
        RunFigures.Plan(this, source);
    }

    /// <summary>TOML → JSON with Tomlyn's model, so both formats share one schema and one set of checks.</summary>
    private static string TomlToJson(string path, string text)
    {
        try
        {
            var table = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(text, new Tomlyn.TomlSerializerOptions { SourceName = path });
            return JsonSerializer.Serialize(ToPlain(table));
        }
        catch (Tomlyn.TomlException e)
        {
            // The diagnostic's own text, located as every other input error (its Message repeats the path as "path(line,column)").
            var problem = e.Diagnostics is { Count: > 0 } d ? d[0].Message : e.Message;
            throw new InputException(path, e.Line, $"not valid TOML: {problem}");
        }
    }

    private static object? ToPlain(object? value) => value switch
    {
        Tomlyn.Model.TomlTable t => t.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value)),
        Tomlyn.Model.TomlTableArray a => a.Select(ToPlain).ToList(),
        Tomlyn.Model.TomlArray a => a.Select(ToPlain).ToList(),
        _ => value,
    };
}

/// <summary>Reads a JSON number or string as text; writes text that is an integer back as a number.</summary>
internal sealed class NumberOrStringConverter : JsonConverter<string>
{
    /// <inheritdoc/>
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonTokenType.String => reader.GetString()!,
        _ => throw new JsonException($"expected a number or a string, got {reader.TokenType}"),
    };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) writer.WriteNumberValue(n);
        else writer.WriteStringValue(value);
    }
}
