using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using PlmKit.Data;

namespace PlmKit.Regression;

/// <summary>
/// The one parser and canonical key of <see cref="ScalingProtocol"/> (<c>paper</c>, <c>default</c>):
/// the key is what result rows (<c>Protocol</c>), cell keys and manifests record.
/// </summary>
public static class ScalingProtocols
{
    /// <summary>The protocol named <paramref name="text"/>.</summary>
    /// <exception cref="ConfigurationException">Not <c>paper</c> or <c>default</c>.</exception>
    public static ScalingProtocol Parse(string text) => text switch
    {
        "paper" => ScalingProtocol.Paper,
        "default" => ScalingProtocol.Default,
        _ => throw new ConfigurationException($"unknown protocol '{text}' (paper, default)"),
    };

    /// <summary>The canonical name of <paramref name="protocol"/>, the one <see cref="Parse"/> reads.</summary>
    public static string Key(this ScalingProtocol protocol) => protocol == ScalingProtocol.Paper ? "paper" : "default";
}

/// <summary>
/// The LassoCV settings a study varies (scikit-learn's names in brackets). The defaults are the
/// study's <see cref="LassoCVOptions.Study"/>, for the CLI (<c>--lasso-*</c>) and experiment files
/// (<c>"lasso": { … }</c>) alike.
/// </summary>
public sealed record LassoSettings
{
    /// <summary>Alphas on the path (<c>n_alphas</c>).</summary>
    public int NAlphas { get; init; } = LassoCVOptions.Study.NAlphas;

    /// <summary>alpha_min / alpha_max (<c>eps</c>).</summary>
    public double Eps { get; init; } = LassoCVOptions.Study.Eps;

    /// <summary>Inner folds (<c>cv</c>).</summary>
    public int Cv { get; init; } = LassoCVOptions.Study.Cv;

    /// <summary>Coordinate-descent sweeps per alpha (<c>max_iter</c>).</summary>
    public int MaxIter { get; init; } = LassoCVOptions.Study.MaxIter;

    /// <summary>Stopping tolerance (<c>tol</c>).</summary>
    public double Tol { get; init; } = LassoCVOptions.Study.Tol;

    /// <summary>The study's settings.</summary>
    public static LassoSettings Study { get; } = new();

    /// <summary>The five settings of <paramref name="options"/> (its other, numerically neutral, knobs are left out).</summary>
    public static LassoSettings Of(LassoCVOptions options) =>
        new() { NAlphas = options.NAlphas, Eps = options.Eps, Cv = options.Cv, MaxIter = options.MaxIter, Tol = options.Tol };

    /// <summary>Checks the ranges LassoCV accepts.</summary>
    /// <exception cref="ConfigurationException">A value out of range (the message names it).</exception>
    public LassoSettings Validated()
    {
        if (NAlphas < 1) throw new ConfigurationException($"lasso n_alphas must be at least 1, got {NAlphas}");
        if (!(Eps > 0 && Eps < 1)) throw new ConfigurationException($"lasso eps must be in (0, 1), got {Num(Eps)}");
        if (Cv < 2) throw new ConfigurationException($"lasso cv must be at least 2, got {Cv}");
        if (MaxIter < 1) throw new ConfigurationException($"lasso max_iter must be at least 1, got {MaxIter}");
        if (!(Tol > 0 && double.IsFinite(Tol))) throw new ConfigurationException($"lasso tol must be a positive number, got {Num(Tol)}");
        return this;
    }

    /// <summary>LassoCV's options: the study's, with these five settings.</summary>
    public LassoCVOptions ToOptions() => LassoCVOptions.Study with { NAlphas = NAlphas, Eps = Eps, Cv = Cv, MaxIter = MaxIter, Tol = Tol };

    /// <summary>
    /// <c>lasso</c> for the study's settings, else <c>lasso(name=value,…)</c> with only the settings
    /// that differ, so keys made before these settings existed stay the same.
    /// </summary>
    [JsonIgnore]
    public string Key
    {
        get
        {
            var parts = new List<string>();
            if (NAlphas != Study.NAlphas) parts.Add($"n_alphas={Num(NAlphas)}");
            if (Eps != Study.Eps) parts.Add($"eps={Num(Eps)}");
            if (Cv != Study.Cv) parts.Add($"cv={Num(Cv)}");
            if (MaxIter != Study.MaxIter) parts.Add($"max_iter={Num(MaxIter)}");
            if (Tol != Study.Tol) parts.Add($"tol={Num(Tol)}");
            return parts.Count == 0 ? "lasso" : $"lasso({string.Join(',', parts)})";
        }
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A regressor: LassoCV with its <see cref="LassoSettings"/>, or RidgeCV. <see cref="Key"/> is the
/// results' <c>Regressor</c> column and the regressor's part of cell keys and manifests.
/// </summary>
public sealed record RegressorSpec
{
    private RegressorSpec(string name, LassoSettings? lasso) => (Name, Lasso) = (name, lasso);

    /// <summary><c>lasso</c> or <c>ridge</c>.</summary>
    public string Name { get; }

    /// <summary>The LassoCV settings (null for ridge).</summary>
    public LassoSettings? Lasso { get; }

    /// <summary>The study's regressor: LassoCV with <see cref="LassoSettings.Study"/>.</summary>
    public static RegressorSpec Default { get; } = new("lasso", LassoSettings.Study);

    /// <summary>RidgeCV (exact leave-one-out over 17 alphas 1e-3..1e5).</summary>
    public static RegressorSpec Ridge { get; } = new("ridge", null);

    /// <summary>The canonical key: <see cref="LassoSettings.Key"/> or <c>ridge</c>.</summary>
    public string Key => Lasso?.Key ?? Name;

    /// <summary>The regressor <paramref name="name"/> (<c>lasso</c>, <c>ridge</c>); <paramref name="lasso"/> sets LassoCV (null: the study's).</summary>
    /// <exception cref="ConfigurationException">Unknown name, lasso settings given with ridge, or a setting out of range.</exception>
    public static RegressorSpec Parse(string name, LassoSettings? lasso = null) => name switch
    {
        "lasso" => new("lasso", (lasso ?? LassoSettings.Study).Validated()),
        "ridge" when lasso is not null => throw new ConfigurationException("lasso settings apply to --regressor lasso only, not to ridge"),
        "ridge" => Ridge,
        _ => throw new ConfigurationException($"unknown regressor '{name}' (lasso, ridge)"),
    };

    /// <summary>A fresh estimator with these settings.</summary>
    public IRegressor Create() => Lasso is { } l ? new LassoCV(l.ToOptions()) : new RidgeCV();

    /// <summary>How the estimator is configured, for manifests.</summary>
    public string Description => Lasso is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"LassoCV(n_alphas={s.NAlphas}, eps={s.Eps:R}, cv={s.Cv}, max_iter={s.MaxIter}, tol={s.Tol:R})")
        : "RidgeCV (exact leave-one-out over 17 alphas 1e-3..1e5)";
}

/// <summary>
/// How the outer folds are made: shuffled K-fold with a seed, K folds grouped by mutated site, labels
/// from a fold file or a fold column, or a learning curve (sizes × repeats, shuffled K-fold in each
/// subsample). <see cref="Key"/> describes the scheme for manifests.
/// </summary>
public abstract record FoldScheme
{
    /// <summary>Outer folds when none are given (the study's 5).</summary>
    public const int DefaultK = 5;

    /// <summary>Seed of the shuffled folds when none is given (the study's 42).</summary>
    public const uint DefaultSeed = 42;

    private FoldScheme() { }

    /// <summary>How the folds are made, in words (manifests).</summary>
    public abstract string Key { get; }

    /// <summary>Fewest rows the scheme can run on (two test rows per fold plus LassoCV's inner folds).</summary>
    public int MinRows => 2 * (this switch { Shuffled s => s.K, SiteGrouped g => g.K, LearningCurve c => c.K, ProteinGym p => p.K, _ => 2 }) + 5;

    /// <summary>scikit-learn's <c>KFold(K, shuffle=True, random_state=Seed)</c>.</summary>
    public sealed record Shuffled(int K, uint Seed) : FoldScheme
    {
        /// <inheritdoc/>
        public override string Key => $"KFold({K}, shuffle=True, random_state={Seed})";
    }

    /// <summary>K folds keeping all variants of one mutated site together (GroupKFold).</summary>
    public sealed record SiteGrouped(int K) : FoldScheme
    {
        /// <inheritdoc/>
        public override string Key => $"GroupKFold({K}) by mutated site";
    }

    /// <summary>Folds from a CSV <c>id,fold</c>.</summary>
    public sealed record FoldFile(string Path) : FoldScheme
    {
        /// <inheritdoc/>
        public override string Key => $"explicit folds from {Path}";
    }

    /// <summary>Folds from a column of the assay file (read with <see cref="AssayReadOptions.FoldColumn"/>).</summary>
    public sealed record FoldColumn(string Column) : FoldScheme
    {
        /// <inheritdoc/>
        public override string Key => $"explicit folds from column '{Column}'";
    }

    /// <summary>
    /// One of ProteinGym's supervised split schemes (<c>--folds proteingym-random|proteingym-modulo|proteingym-contiguous</c>,
    /// <c>"folds": "proteingym-modulo"</c> in an experiment file): the assay's own
    /// <see cref="Column"/> (e.g. <c>fold_modulo_5</c>) when a ProteinGym CSV carries it, else
    /// generated as ProteinGym's split script does (<see cref="ProteinGymFolds"/>). Assays with
    /// multi-mutants get ProteinGym's rule for them: random folds stratified by mutational depth
    /// (<see cref="ProteinGymFolds.AssignMultiples"/>); modulo and contiguous are refused there.
    /// </summary>
    public sealed record ProteinGym(ProteinGymScheme Scheme, int K = DefaultK, uint Seed = DefaultSeed) : FoldScheme
    {
        /// <summary>The option value, e.g. <c>proteingym-modulo</c>.</summary>
        public string Name => ProteinGymPrefix + Scheme.ToString().ToLowerInvariant();

        /// <summary>ProteinGym's column of the scheme, e.g. <c>fold_modulo_5</c>: read from the file when present.</summary>
        public string Column => ProteinGymFolds.ColumnName(Scheme, K);

        /// <inheritdoc/>
        public override string Key => Scheme == ProteinGymScheme.Random && Seed != DefaultSeed ? $"{Name} (seed {Seed})" : Name;

        /// <summary>The folds, and where they came from in words.</summary>
        /// <exception cref="InputException">Modulo or contiguous folds for a multi-mutant assay, a record without a substitution, or fewer sites than folds.</exception>
        internal FoldAssignment AssignProteinGym(Assay assay)
        {
            if (assay.FoldColumn == Column)
                return OuterFolds.FromLabels(ColumnLabels(assay, Column), $"column '{Column}' of {assay.SourcePath}") with
                {
                    Description = $"{Name}: ProteinGym's {Column} from the file",
                };
            int[] folds;
            string how;
            if (ProteinGymFolds.HasMultiMutants(assay))
            {
                if (Scheme != ProteinGymScheme.Random)
                    throw new InputException(assay.SourcePath, null,
                        $"--folds {Name}: ProteinGym defines {Column} for single mutants only and splits multi-mutant assays at random by mutational depth (--folds proteingym-random), or keep the singles");
                folds = ProteinGymFolds.AssignMultiples(assay, K, Seed);
                how = $"ProteinGym's random folds stratified by mutational depth (fold_rand_multiples, RandomState({Seed}))";
            }
            else
            {
                folds = ProteinGymFolds.Assign(assay, Scheme, K, Seed);
                how = Scheme == ProteinGymScheme.Random ? $"{Column} generated as ProteinGym's script (RandomState({Seed}))" : $"{Column} generated as ProteinGym's script";
            }
            var labels = folds.Select(f => f.ToString(CultureInfo.InvariantCulture)).ToArray();
            return OuterFolds.FromLabels(labels, $"{Name} of {assay.SourcePath}") with { Description = $"{Name}: {how}" };
        }
    }

    /// <summary>The prefix of ProteinGym's scheme names in <c>--folds</c>.</summary>
    public const string ProteinGymPrefix = "proteingym-";

    /// <summary>A learning curve: per size and repeat a subsample, evaluated by shuffled K-fold (see <see cref="CrossValidation.LearningCurve"/>).</summary>
    public sealed record LearningCurve(ImmutableArray<int> Sizes, int Repeats, int K, uint Seed) : FoldScheme
    {
        /// <inheritdoc/>
        public override string Key =>
            $"learning curve: sizes {string.Join(',', Sizes)}, {Repeats} subsample(s) each, KFold({K}, shuffle=True, random_state={Seed}) per subsample";
    }

    /// <summary>
    /// The scheme of the CLI's <c>--folds</c> (a number K, <c>proteingym-random</c>,
    /// <c>proteingym-modulo</c>, <c>proteingym-contiguous</c>, an existing CSV file <c>id,fold</c>, or a
    /// fold column of the data), <c>--seed</c>, <c>--group-by-site</c>, <c>--train-sizes</c> and
    /// <c>--repeats</c>; a null setting was not given. A setting the scheme would ignore is refused.
    /// </summary>
    /// <exception cref="ConfigurationException">A bad value or an inert combination.</exception>
    public static FoldScheme Parse(string? folds, long? seed = null, bool groupBySite = false, string? trainSizes = null, int? repeats = null)
    {
        var spec = folds?.Trim() ?? DefaultK.ToString(CultureInfo.InvariantCulture);
        if (spec.StartsWith(ProteinGymPrefix, StringComparison.Ordinal))
        {
            var scheme = spec[ProteinGymPrefix.Length..] switch
            {
                "random" => ProteinGymScheme.Random,
                "modulo" => ProteinGymScheme.Modulo,
                "contiguous" => ProteinGymScheme.Contiguous,
                _ => throw new ConfigurationException($"--folds {spec}: unknown ProteinGym scheme (proteingym-random, proteingym-modulo, proteingym-contiguous)"),
            };
            if (seed is < 0 or > uint.MaxValue) throw new ConfigurationException($"--seed {seed} is outside 0..4294967295 (numpy's RandomState range)");
            if (groupBySite) throw new ConfigurationException($"--group-by-site does not combine with --folds {spec} (ProteinGym's schemes make their own folds)");
            if (trainSizes is not null || repeats is not null) throw new ConfigurationException($"--train-sizes and --repeats do not combine with --folds {spec}");
            if (seed is not null && scheme != ProteinGymScheme.Random) throw new ConfigurationException($"--seed has no effect with --folds {spec} (its folds follow the mutated positions)");
            return new ProteinGym(scheme, DefaultK, seed is null ? DefaultSeed : (uint)seed.Value);
        }
        int? k = int.TryParse(spec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        if (k is < 2) throw new ConfigurationException($"--folds {spec}: at least 2 folds are needed");
        if (seed is < 0 or > uint.MaxValue) throw new ConfigurationException($"--seed {seed} is outside 0..4294967295 (numpy's RandomState range)");
        if (repeats is < 1) throw new ConfigurationException($"--repeats must be at least 1, got {repeats}");
        if (repeats is not null && trainSizes is null) throw new ConfigurationException("--repeats applies to a learning curve only: give --train-sizes too");
        if (k is null)
        {
            var what = File.Exists(spec) ? "a fold file" : "a fold column";
            if (trainSizes is not null) throw new ConfigurationException("--train-sizes needs --folds K (the folds are cut anew in every subsample)");
            if (groupBySite) throw new ConfigurationException($"--group-by-site needs --folds K, not {what}");
            if (seed is not null) throw new ConfigurationException($"--seed has no effect with folds from {what}");
            return File.Exists(spec) ? new FoldFile(spec) : new FoldColumn(spec);
        }
        if (groupBySite)
        {
            if (trainSizes is not null) throw new ConfigurationException("--group-by-site cannot be combined with --train-sizes");
            if (seed is not null) throw new ConfigurationException("--seed has no effect with --group-by-site (grouped folds are not shuffled)");
            return new SiteGrouped(k.Value);
        }
        var seedValue = seed is null ? DefaultSeed : (uint)seed.Value;
        return trainSizes is null ? new Shuffled(k.Value, seedValue) : new LearningCurve(ParseSizes(trainSizes), repeats ?? 1, k.Value, seedValue);
    }

    private static ImmutableArray<int> ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
                throw new ConfigurationException($"--train-sizes: '{parts[i]}' is not a positive whole number (expected e.g. 100,320,1000)");
        return [.. sizes];
    }

    /// <summary>
    /// How to read an assay for this scheme: the fold column of <see cref="FoldColumn"/>, or
    /// ProteinGym's column of <see cref="ProteinGym"/> where the file has it.
    /// </summary>
    public AssayReadOptions ReadOptions(AssayReadOptions options) => this switch
    {
        FoldColumn c => options with { FoldColumn = c.Column },
        ProteinGym p => options with { FoldColumn = p.Column, FoldColumnIfPresent = true },
        _ => options,
    };

    /// <summary>The outer folds over <paramref name="assay"/>'s rows (not for a <see cref="LearningCurve"/>, whose folds are cut per subsample).</summary>
    /// <exception cref="InputException">A fold file or column that does not cover every row; ProteinGym folds the assay does not allow (see <see cref="ProteinGym"/>).</exception>
    public FoldAssignment Assign(Assay assay) => this switch
    {
        Shuffled s => OuterFolds.ShuffledKFold(assay.Count, s.K, s.Seed),
        SiteGrouped g => OuterFolds.GroupKFold(SiteGroups.Of(assay), g.K),
        FoldFile f => OuterFolds.FromLabels(FeatureTables.JoinFolds(f.Path, assay.Ids()), f.Path),
        FoldColumn c => OuterFolds.FromLabels(ColumnLabels(assay, c.Column), $"column '{c.Column}' of {assay.SourcePath}"),
        ProteinGym p => p.AssignProteinGym(assay),
        _ => throw new InvalidOperationException("a learning curve cuts its folds per subsample"),
    };

    private static string[] ColumnLabels(Assay assay, string column)
    {
        var missing = assay.Records.FirstOrDefault(r => r.Fold is null);
        if (missing is not null)
            throw new InputException(assay.SourcePath, missing.SourceLine, $"record '{missing.Id}' has no value in fold column '{column}'");
        return assay.Records.Select(r => r.Fold!.Value.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
