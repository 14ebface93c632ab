using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit evaluate</c>: cross-validated LassoCV (or RidgeCV) of an assay's target on its
/// features, under the study's protocol (<c>paper</c>) or the leakage-free one (<c>default</c>),
/// written as the study's results table plus a run manifest.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Assay file (study DMS CSV, ProteinGym CSV, FASTA, or CSV).", Required = true };
        var format = new Option<string>("--format") { Description = "auto, swat, proteingym, fasta-csv or csv.", DefaultValueFactory = _ => "auto" };
        var targets = new Option<string?>("--targets") { Description = "Targets CSV (id,target) for --format fasta-csv." };
        var features = new Option<string>("--features")
        {
            Description = "onehot, composition, a directory of plmkit embed output (layer<k>.<pool>.csv), a CSV with id + feature columns, or store:DIR (an embedding store, with --model, --layer, --pool).",
            Required = true,
        };
        var storeModel = new Option<string?>("--model") { Description = "With --features store:DIR: the model (name or weights id prefix) to read." };
        var layer = new Option<int?>("--layer") { Description = "Layer k to pick from an embed output directory." };
        var pool = new Option<string?>("--pool") { Description = "Pooling to pick from an embed output directory (e.g. mean)." };
        var protocol = new Option<string>("--protocol")
        {
            Description = "paper: MinMax scaler fitted on all rows (the study); default: fitted on each fold's training rows.",
            Required = true,
        };
        var folds = new Option<string>("--folds")
        {
            Description = "Number of shuffled folds K, a CSV file with id,fold, or the name of a fold column of the data.",
            DefaultValueFactory = _ => "5",
        };
        var bySite = new Option<bool>("--group-by-site") { Description = "With --folds K: keep all variants of one mutated site in one fold (GroupKFold)." };
        var seed = new Option<long>("--seed") { Description = "Seed of the shuffled folds (numpy RandomState), 0..4294967295.", DefaultValueFactory = _ => 42 };
        var regressor = new Option<string>("--regressor") { Description = "lasso (LassoCV as the study) or ridge (RidgeCV).", DefaultValueFactory = _ => "lasso" };
        var trainSizes = new Option<string?>("--train-sizes") { Description = "Learning curve: comma-separated subsample sizes n1,n2,..." };
        var repeats = new Option<int>("--repeats") { Description = "Learning curve: subsamples per size.", DefaultValueFactory = _ => 1 };
        var dropInvalid = new Option<bool>("--drop-invalid")
        {
            Description = "Leave out rows that fail the input checks (bad sequence, mutant or target) instead of stopping; each is printed as file:line: problem and recorded in the manifest.",
        };
        var output = new Option<string>("--out") { Description = "Results CSV to write (a manifest <out>.manifest.json is written beside it).", Required = true };

        var command = new Command("evaluate", "Cross-validate LassoCV/RidgeCV on an assay's features and write the study's results table.")
        {
            data, format, targets, features, storeModel, layer, pool, protocol, folds, bySite, seed, regressor, trainSizes, repeats, dropInvalid, output,
        };
        command.SetAction(parse =>
        {
            var started = DateTimeOffset.UtcNow;
            // Choices are checked here rather than by AcceptOnlyFromAmong, whose message spans several lines.
            var formatName = OneOf(parse.GetValue(format)!, "--format", "auto", "swat", "proteingym", "fasta-csv", "csv");
            var protocolName = OneOf(parse.GetValue(protocol)!, "--protocol", "paper", "default");
            var regressorName = OneOf(parse.GetValue(regressor)!, "--regressor", "lasso", "ridge");
            var outPath = parse.GetValue(output)!;
            CheckOutput(outPath);
            var seedValue = parse.GetValue(seed);
            if (seedValue is < 0 or > uint.MaxValue) throw new ConfigurationException($"--seed {seedValue} is outside 0..4294967295 (numpy's RandomState range).");
            var sizes = ParseSizes(parse.GetValue(trainSizes));
            var repeatCount = parse.GetValue(repeats);
            if (repeatCount < 1) throw new ConfigurationException($"--repeats must be at least 1, got {repeatCount}.");
            var foldSpec = parse.GetValue(folds)!.Trim();
            var foldK = int.TryParse(foldSpec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) ? k : (int?)null;
            if (foldK is < 2) throw new ConfigurationException($"--folds {foldSpec}: at least 2 folds are needed.");
            if (sizes is not null && foldK is null) throw new ConfigurationException("--train-sizes needs --folds K (the folds are cut anew in every subsample).");
            if (parse.GetValue(bySite) && foldK is null) throw new ConfigurationException("--group-by-site needs --folds K.");
            if (parse.GetValue(bySite) && sizes is not null) throw new ConfigurationException("--group-by-site cannot be combined with --train-sizes.");
            var foldFile = foldK is null && File.Exists(foldSpec) ? foldSpec : null;
            var foldColumn = foldK is null && foldFile is null ? foldSpec : null;

            var dataPath = parse.GetValue(data)!;
            var assay = AssayReader.Read(dataPath, ParseFormat(formatName), new AssayReadOptions
            {
                TargetsPath = parse.GetValue(targets),
                FoldColumn = foldColumn,
                DropInvalid = parse.GetValue(dropInvalid),
            });
            var featureSpec = parse.GetValue(features)!;
            if (parse.GetValue(storeModel) is not null && !featureSpec.StartsWith("store:", StringComparison.Ordinal))
                throw new ConfigurationException("--model applies to --features store:DIR only.");
            var (x, labels) = featureSpec.StartsWith("store:", StringComparison.Ordinal)
                ? StoreFeatures.Load(featureSpec["store:".Length..], parse.GetValue(storeModel), parse.GetValue(layer), parse.GetValue(pool), assay)
                : LoadFeatures(featureSpec, parse.GetValue(layer), parse.GetValue(pool), assay);
            var y = assay.Targets();
            var scaling = protocolName == "paper" ? ScalingProtocol.Paper : ScalingProtocol.Default;
            IRegressor model = regressorName == "ridge" ? new RidgeCV() : new LassoCV(LassoCVOptions.Study);
            var minRows = 2 * (foldK ?? 2) + 5;
            if (assay.Count < minRows) throw new InputException(dataPath, null, $"{assay.Count} rows are too few for this cross-validation (at least {minRows}).");

            IReadOnlyList<FoldEvaluation> results;
            string foldDescription;
            if (sizes is not null)
            {
                results = CrossValidation.LearningCurve(x, y, sizes, repeatCount, foldK!.Value, (uint)seedValue, scaling, model, labels);
                foldDescription = $"learning curve: sizes {string.Join(',', sizes)}, {repeatCount} subsample(s) each, KFold({foldK}, shuffle=True, random_state={seedValue}) per subsample";
            }
            else
            {
                var assignment = foldK is int kk
                    ? parse.GetValue(bySite) ? OuterFolds.GroupKFold(SiteGroups.Of(assay), kk) : OuterFolds.ShuffledKFold(assay.Count, kk, (uint)seedValue)
                    : foldFile is not null
                        ? OuterFolds.FromLabels(FeatureTables.JoinFolds(foldFile, assay.Ids()), foldFile)
                        : OuterFolds.FromLabels(FoldColumnLabels(assay, foldColumn!), $"column '{foldColumn}' of {dataPath}");
                results = CrossValidation.Run(x, y, assignment, scaling, model, labels);
                foldDescription = assignment.Description;
            }

            ResultsCsv.Write(outPath, results.Select(r => r.Result));
            AtomicFile.WriteAllText(outPath + ".manifest.json", Manifest(parse.Tokens.Select(t => t.Value), dataPath, assay, x, labels,
                scaling, model, foldDescription, started, results.Count));
            var stdout = parse.InvocationConfiguration.Output;
            if (!assay.Dropped.IsEmpty)
            {
                stdout.WriteLine($"dropped {assay.Dropped.Length} invalid row(s) (--drop-invalid):");
                foreach (var dropped in assay.Dropped) stdout.WriteLine($"  {dropped}");
            }
            foreach (var r in results.Select(e => e.Result))
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fold {r.Fold} (n={r.SampleSize}): R2_test {r.R2Test:F4}  rho_test {r.RhoTest:F4}  alpha {r.Alpha:G4}  non-zero {r.NonZeroCoefs}"));
            stdout.WriteLine($"wrote {results.Count} rows to {outPath}");
            return 0;
        });
        return command;
    }

    private static string OneOf(string value, string option, params string[] choices) =>
        choices.Contains(value, StringComparer.Ordinal) ? value
        : throw new ConfigurationException($"{option} '{value}' is not one of: {string.Join(", ", choices)}.");

    private static void CheckOutput(string path)
    {
        if (Directory.Exists(path)) throw new ConfigurationException($"--out {path} is a directory; give a file name such as results.csv.");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new ConfigurationException($"--out {path}: directory {dir} does not exist.");
    }

    private static int[]? ParseSizes(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
                throw new ConfigurationException($"--train-sizes: '{parts[i]}' is not a positive whole number (expected e.g. 100,320,1000).");
        return sizes;
    }

    private static AssayFormat ParseFormat(string text) => text switch
    {
        "swat" => AssayFormat.Swat,
        "proteingym" => AssayFormat.ProteinGym,
        "fasta-csv" => AssayFormat.FastaCsv,
        "csv" => AssayFormat.Csv,
        _ => AssayFormat.Auto,
    };

    private static (Matrix<double> X, ResultLabels Labels) LoadFeatures(string spec, int? layer, string? pool, Assay assay)
    {
        if (spec is "onehot" or "composition")
        {
            if (layer is not null || pool is not null) throw new ConfigurationException($"--layer and --pool apply to embedding directories, not to --features {spec}.");
            var values = spec == "onehot" ? BaselineFeatures.OneHot(assay) : BaselineFeatures.Composition(assay);
            return (Matrix<double>.Build.DenseOfArray(values), new ResultLabels(assay.Name, spec, "", ""));
        }
        if (Directory.Exists(spec))
        {
            var file = FeatureTables.EmbedFile(spec, layer, pool);
            // File name layer<k>.<pool>.csv gives the Layer and Compression_method columns.
            var parts = Path.GetFileNameWithoutExtension(file).Split('.', 2);
            var model = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec)));
            return (FeatureTables.JoinCsv(file, assay.Ids()), new ResultLabels(assay.Name, model, parts.Length > 1 ? parts[1] : "", parts[0].Replace("layer", "", StringComparison.Ordinal)));
        }
        if (File.Exists(spec))
        {
            if (layer is not null || pool is not null) throw new ConfigurationException("--layer and --pool apply to embedding directories, not to a feature CSV.");
            return (FeatureTables.JoinCsv(spec, assay.Ids()), new ResultLabels(assay.Name, Path.GetFileNameWithoutExtension(spec), "", ""));
        }
        throw new ConfigurationException($"--features {spec}: not onehot, composition, an existing directory or an existing CSV file.");
    }

    private static string[] FoldColumnLabels(Assay assay, string column)
    {
        var missing = assay.Records.FirstOrDefault(r => r.Fold is null);
        if (missing is not null)
            throw new InputException(assay.SourcePath, missing.SourceLine, $"record '{missing.Id}' has no value in fold column '{column}'");
        return assay.Records.Select(r => r.Fold!.Value.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    private static string Manifest(IEnumerable<string> args, string dataPath, Assay assay, Matrix<double> x, ResultLabels labels,
        ScalingProtocol protocol, IRegressor model, string folds, DateTimeOffset started, int rows) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["command"] = "plmkit " + string.Join(' ', args),
            ["plmkit_version"] = PlmKitVersion.Current,
            ["data"] = Path.GetFullPath(dataPath),
            ["dataset"] = assay.Name,
            ["rows"] = assay.Count,
            ["dropped_rows"] = assay.Dropped.Select(d => new { file = d.File, line = d.Line, id = d.Id, problem = d.Problem }).ToArray(),
            ["features"] = new { labels.Model, labels.CompressionMethod, labels.Layer, columns = x.ColumnCount },
            ["protocol"] = protocol == ScalingProtocol.Paper
                ? "paper: MinMaxScaler((0,1)) fitted on all rows before the split (the study)"
                : "default: MinMaxScaler((0,1)) fitted on each fold's training rows",
            ["regressor"] = model is LassoCV l ? $"LassoCV(n_alphas={l.Options.NAlphas}, eps={l.Options.Eps}, cv={l.Options.Cv}, max_iter={l.Options.MaxIter}, tol={l.Options.Tol}, precompute={l.Options.Precompute})" : "RidgeCV (exact leave-one-out over 17 alphas 1e-3..1e5)",
            ["folds"] = folds,
            ["result_rows"] = rows,
            ["started_utc"] = started.ToString("O", CultureInfo.InvariantCulture),
            ["seconds"] = (DateTimeOffset.UtcNow - started).TotalSeconds,
        }, new JsonSerializerOptions { WriteIndented = true });
}
