using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.FineTuning;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit finetune</c>: LoRA fine-tuning of ESM-2 on an assay (see <see cref="FineTuneJob"/>).</summary>
internal static class FineTuneCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "ESM-2 zoo name, folder or fair-esm .pt file.", Required = true };
        var input = new Option<string>("--input") { Description = "Assay (study DMS CSV, ProteinGym CSV, FASTA with --targets, or CSV).", Required = true };
        var targets = new Option<string?>("--targets") { Description = "Targets CSV (id,target) for a FASTA input." };
        var folds = new Option<string?>("--folds") { Description = "Outer folds as in evaluate (K, a fold file or a fold column): each fold is fine-tuned on the others and validated on itself. Default: the study's 80/20 split." };
        var bySite = new Option<bool>("--group-by-site") { Description = "With --folds K: keep all variants of one site in one fold." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the folds / split, initial values, shuffles and dropout (default 42)." };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs (the study: 40).", DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per optimiser step (the study: 8 = 2 per GPU × 4).", DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr") { Description = "AdamW learning rate.", DefaultValueFactory = _ => 1e-4 };
        var patience = new Option<int>("--patience") { Description = "Early stopping patience in epochs (validation loss).", DefaultValueFactory = _ => 5 };
        var rank = new Option<int>("--rank") { Description = "LoRA rank r.", DefaultValueFactory = _ => 4 };
        var alpha = new Option<double>("--alpha") { Description = "LoRA alpha (scaling alpha/r).", DefaultValueFactory = _ => 32 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget of one forward/backward pass (micro-batch).", DefaultValueFactory = _ => 4096 };
        var dtype = new Option<string>("--dtype") { Description = "fp32, or bf16: autocast of the frozen base (adapters, head and optimiser stay fp32).", DefaultValueFactory = _ => EmbedDtype.Fp32.Key() };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch." };
        var outDir = new Option<string>("--out") { Description = "Output folder: metrics.csv, results.csv, predictions.csv, fold<k>.safetensors (resumable), finetune.manifest.json.", Required = true };
        var command = new Command("finetune", "Fine-tune ESM-2 with LoRA and the study's regression head; compare with evaluate on the same folds.")
            { model, input, targets, folds, bySite, seed, epochs, batch, lr, patience, rank, alpha, maxTokens, dtype, device, threads, outDir };
        command.SetAction(parse =>
        {
            var foldText = parse.GetValue(folds);
            long? seedValue = parse.GetValue(seed);
            FoldScheme? scheme = foldText is null
                ? (parse.GetValue(bySite) ? throw new ConfigurationException("--group-by-site needs --folds K") : null)
                : FoldScheme.Parse(foldText, parse.GetValue(bySite) ? null : seedValue, parse.GetValue(bySite));
            var training = new LoraTrainingSettings(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(lr), 1e-5, parse.GetValue(patience),
                parse.GetValue(maxTokens), seedValue ?? 42);
            var lora = new LoraSettings(Rank: parse.GetValue(rank), Alpha: parse.GetValue(alpha));
            var settings = new FineTuneSettings(parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(outDir)!, scheme, lora, training,
                AssayFormat.Auto, parse.GetValue(targets), parse.GetValue(device)!, parse.GetValue(threads), EmbedDtypes.Parse(parse.GetValue(dtype)!));
            var output = parse.InvocationConfiguration.Output;
            var report = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
                ? WithProgressBar(settings, ["plmkit", .. parse.Tokens.Select(t => t.Value)])
                : FineTuneJob.Run(settings, ["plmkit", .. parse.Tokens.Select(t => t.Value)], new Progress(p =>
                {
                    // Off a terminal (logs, SLURM): one line per finished epoch.
                    if (p.Step.Step == p.Step.StepsPerEpoch) parse.InvocationConfiguration.Error.WriteLine(Describe(p, settings.Training.Epochs));
                }));
            var stdout = parse.InvocationConfiguration.Output;
            foreach (var r in report.Rows)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fold {r.Fold}: val R2 {r.R2_score_test:F4}, rho {r.rho_score_test:F4} (n_train {r.n_train}, n_val {r.n_test})"));
            stdout.WriteLine($"wrote {report.Folder}");
            return 0;
        });
        return command;
    }

    // A bar over every step of every fold and epoch (early stopping ends a fold sooner), with the time left at the current pace.
    private static FineTuneReport WithProgressBar(FineTuneSettings settings, IReadOnlyList<string> argv)
    {
        FineTuneReport? report = null;
        int epochs = settings.Training.Epochs;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("fine-tuning");
                // Synchronous: the job reports from its own thread, and Spectre's task is thread-safe.
                report = FineTuneJob.Run(settings, argv, new Progress(p =>
                {
                    task.MaxValue = (double)p.Folds * epochs * p.Step.StepsPerEpoch;
                    task.Value = ((double)p.Fold * epochs + p.Step.Epoch) * p.Step.StepsPerEpoch + p.Step.Step;
                    task.Description = Markup.Escape(Describe(p, epochs));
                }));
                task.Value = task.MaxValue;
            });
        return report!;
    }

    private static string Describe((int Fold, int Folds, LoraProgress Step) p, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"fold {p.Fold + 1}/{p.Folds} epoch {p.Step.Epoch + 1}/{epochs} step {p.Step.Step}/{p.Step.StepsPerEpoch}: loss {p.Step.Loss:F4}, last val R2 {(double.IsNaN(p.Step.LastValR2) ? "-" : p.Step.LastValR2.ToString("F3", CultureInfo.InvariantCulture))}, {p.Step.TokensPerSecond:F0} tok/s");

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> of the BCL would post to the thread pool).</summary>
    private sealed class Progress(Action<(int Fold, int Folds, LoraProgress Step)> report) : IProgress<(int Fold, int Folds, LoraProgress Step)>
    {
        public void Report((int Fold, int Folds, LoraProgress Step) value) => report(value);
    }
}
