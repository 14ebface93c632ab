using System.CommandLine;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit evaluate</c>: parses the settings, reads the assay and its features, and hands them to
/// <see cref="Evaluation.Run"/>; writes <c>results.csv</c> and <c>evaluate.manifest.json</c> into
/// the <c>--out</c> folder after everything has been checked and computed.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Name of the results table inside the output folder.</summary>
    public const string ResultsFile = "results.csv";

    /// <summary>Name of the manifest inside the output folder.</summary>
    public const string ManifestFile = "evaluate.manifest.json";

    public static Command Create()
    {
        var input = new Option<string?>("--input") { Description = "Assay file (study DMS CSV, ProteinGym CSV, FASTA, or CSV)." };
        // Old spellings, accepted for one release and left out of the help.
        var inputOld = new Option<string?>("--data") { Hidden = true };
        var layerOld = new Option<int?>("--layer") { Hidden = true };
        var format = new Option<string?>("--format") { Description = "auto (default), swat, proteingym, fasta-csv or csv." };
        var targets = new Option<string?>("--targets") { Description = "Targets CSV (id,target) for FASTA input." };
        var features = new Option<string>("--features")
        {
            Description = "onehot, composition, a folder of plmkit embed output (layer<k>.<pool>.csv), a CSV with id + feature columns, store:DIR (an embedding store, with --model, --layers, --pool), or zero-shot (the --zero-shot score alone, one column).",
            Required = true,
        };
        var zeroShot = new Option<string?>("--zero-shot")
        {
            Description = "Zero-shot scores (plmkit score's scores.csv, or its output folder), joined by id: alone with --features zero-shot, else appended to the features as one more column (ProteinGym's augmented set-up).",
        };
        var storeModel = new Option<string?>("--model") { Description = "With --features store:DIR: the model (name or weights id prefix) to read." };
        var layers = new Option<int?>("--layers") { Description = "The layer k to evaluate (one) from an embed output folder or a store." };
        var pool = new Option<string?>("--pool") { Description = "Pooling to pick from an embed output folder or a store (e.g. mean)." };
        var protocol = new Option<string>("--protocol")
        {
            Description = "paper: MinMax scaler fitted on all rows (the study); default: fitted on each fold's training rows.",
            Required = true,
        };
        var folds = new Option<string?>("--folds") { Description = $"Number of shuffled folds K (default {FoldScheme.DefaultK}); proteingym-random, proteingym-modulo or proteingym-contiguous (ProteinGym's splits: the file's fold_*_5 column when present, else generated); a CSV file with id,fold; or the name of a fold column of the data." };
        var bySite = new Option<bool>("--group-by-site") { Description = "With --folds K: keep all variants of one mutated site in one fold (GroupKFold)." };
        var seed = new Option<long?>("--seed") { Description = $"Seed of the shuffled folds (numpy RandomState), 0..4294967295 (default {FoldScheme.DefaultSeed})." };
        var regressor = new Option<string?>("--regressor") { Description = "lasso (LassoCV, default) or ridge (RidgeCV)." };
        var nAlphas = new Option<int?>("--lasso-n-alphas") { Description = $"LassoCV n_alphas (default {LassoSettings.Study.NAlphas})." };
        var eps = new Option<double?>("--lasso-eps") { Description = $"LassoCV eps (default {LassoSettings.Study.Eps.ToString(CultureInfo.InvariantCulture)})." };
        var cv = new Option<int?>("--lasso-cv") { Description = $"LassoCV inner folds cv (default {LassoSettings.Study.Cv})." };
        var maxIter = new Option<int?>("--lasso-max-iter") { Description = $"LassoCV max_iter (default {LassoSettings.Study.MaxIter})." };
        var tol = new Option<double?>("--lasso-tol") { Description = $"LassoCV tol (default the study's {LassoSettings.Study.Tol.ToString(CultureInfo.InvariantCulture)})." };
        var trainSizes = new Option<string?>("--train-sizes") { Description = "Learning curve: comma-separated subsample sizes n1,n2,..." };
        var repeats = new Option<int?>("--repeats") { Description = "Learning curve: subsamples per size (default 1)." };
        var dropInvalid = new Option<bool>("--drop-invalid")
        {
            Description = "Leave out rows that fail the input checks (bad sequence, mutant or target) instead of stopping; each is printed as file:line: problem and recorded in the manifest.",
        };
        var output = new Option<string>("--out") { Description = $"Output folder: {ResultsFile} and {ManifestFile} are written into it.", Required = true };

        var command = new Command("evaluate", "Cross-validate LassoCV/RidgeCV on an assay's features and write the study's results table.")
        {
            input, inputOld, format, targets, features, zeroShot, storeModel, layers, layerOld, pool, protocol, folds, bySite, seed, regressor,
            nAlphas, eps, cv, maxIter, tol, trainSizes, repeats, dropInvalid, output,
        };
        command.SetAction(parse =>
        {
            var manifest = new Manifest("evaluate", ["plmkit", .. parse.Tokens.Select(t => t.Value)]);
            var dataPath = Either(parse.GetValue(input), parse.GetValue(inputOld), "--input", "--data")
                ?? throw new ConfigurationException("--input is required: the assay file to evaluate on");
            var layer = Either(parse.GetValue(layers), parse.GetValue(layerOld), "--layers", "--layer");
            var assayFormat = AssayFormats.Parse(parse.GetValue(format) ?? AssayFormat.Auto.Key());
            var scaling = ScalingProtocols.Parse(parse.GetValue(protocol)!);
            LassoSettings? lasso = null;
            void Lasso(Func<LassoSettings, LassoSettings> set) => lasso = set(lasso ?? LassoSettings.Study);
            if (parse.GetValue(nAlphas) is { } na) Lasso(s => s with { NAlphas = na });
            if (parse.GetValue(eps) is { } e) Lasso(s => s with { Eps = e });
            if (parse.GetValue(cv) is { } c) Lasso(s => s with { Cv = c });
            if (parse.GetValue(maxIter) is { } mi) Lasso(s => s with { MaxIter = mi });
            if (parse.GetValue(tol) is { } t) Lasso(s => s with { Tol = t });
            var model = RegressorSpec.Parse(parse.GetValue(regressor) ?? RegressorSpec.Default.Name, lasso);
            var seedValue = parse.GetValue(seed);
            var scheme = FoldScheme.Parse(parse.GetValue(folds), seedValue, parse.GetValue(bySite), parse.GetValue(trainSizes), parse.GetValue(repeats));
            var outDir = parse.GetValue(output)!;
            OutputFolder.Check(outDir, "--out", ".csv");
            var targetsPath = parse.GetValue(targets);
            AssayFormats.CheckTargets(dataPath, assayFormat, targetsPath);
            var featureSpec = parse.GetValue(features)!;
            var featureSettings = FeatureSettings.Parse(featureSpec, parse.GetValue(zeroShot), layer, parse.GetValue(pool));
            var fromStore = featureSpec.StartsWith("store:", StringComparison.Ordinal);
            if (parse.GetValue(storeModel) is not null && !fromStore)
                throw new ConfigurationException("--model applies to --features store:DIR only.");

            var assay = AssayReader.Read(dataPath, assayFormat, scheme.ReadOptions(new AssayReadOptions
            {
                TargetsPath = targetsPath,
                DropInvalid = parse.GetValue(dropInvalid),
            }));
            var x = featureSettings.Load(assay, () => fromStore
                ? StoreFeatures.Load(featureSpec["store:".Length..], parse.GetValue(storeModel), layer, parse.GetValue(pool), assay)
                : FeatureMatrix.Load(featureSpec, layer, parse.GetValue(pool), assay));
            var result = Evaluation.Run(assay, x, scheme, scaling, model);

            Directory.CreateDirectory(outDir);
            var resultsPath = Path.Combine(outDir, ResultsFile);
            ResultRow.Write(resultsPath, result.Rows);
            if (scheme is FoldScheme.Shuffled or FoldScheme.LearningCurve || scheme is FoldScheme.ProteinGym { Scheme: ProteinGymScheme.Random })
                manifest.Seed("folds", seedValue ?? FoldScheme.DefaultSeed);
            manifest.Config("format", assayFormat.Key()).Config("protocol", scaling.Key()).Config("regressor", model.Key)
                .Config("lasso", model.Lasso).Config("folds", result.Description).Config("features", featureSpec).Config("zero_shot", featureSettings.ZeroShotPath).Config("feature_set", x.Set.Key())
                .Config("drop_invalid", parse.GetValue(dropInvalid))
                .Input(dataPath);
            if (targetsPath is not null) manifest.Input(targetsPath);
            if (scheme is FoldScheme.FoldFile file) manifest.Input(file.Path);
            foreach (var source in x.Sources) manifest.Input(source);
            manifest.Output(resultsPath)
                .Set("dataset", assay.Name)
                .Set("rows", assay.Count)
                .Set("dropped_rows", assay.Dropped.Select(d => new { file = d.File, line = d.Line, id = d.Id, problem = d.Problem }).ToArray())
                .Set("features", new { model = x.Model, compression_method = x.CompressionMethod, layer = x.Layer, feature_set = x.Set.Key(), columns = x.X.ColumnCount })
                .Set("protocol", scaling == ScalingProtocol.Paper
                    ? "paper: MinMaxScaler((0,1)) fitted on all rows before the split (the study)"
                    : "default: MinMaxScaler((0,1)) fitted on each fold's training rows")
                .Set("regressor", model.Description)
                .Set("result_rows", result.Rows.Length)
                .Write(Path.Combine(outDir, ManifestFile));

            var stdout = parse.InvocationConfiguration.Output;
            if (!assay.Dropped.IsEmpty)
            {
                stdout.WriteLine($"dropped {assay.Dropped.Length} invalid row(s) (--drop-invalid):");
                foreach (var dropped in assay.Dropped) stdout.WriteLine($"  {dropped}");
            }
            foreach (var r in result.Rows)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fold {r.Fold} (n={r.Sample_size}): R2_test {r.R2_score_test:F4}  rho_test {r.rho_score_test:F4}  alpha {r.alpha:G4}  non-zero {r.nun_zero_coefs}"));
            stdout.WriteLine($"wrote {result.Rows.Length} rows to {resultsPath}");
            return 0;
        });
        return command;
    }

    /// <summary>The value of an option or of its old hidden spelling; both at once is refused.</summary>
    private static T? Either<T>(T? value, T? old, string name, string oldName)
    {
        if (value is not null && old is not null) throw new ConfigurationException($"{oldName} is the old spelling of {name}; give only {name}");
        return value ?? old;
    }
}
