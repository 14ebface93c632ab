using System.CommandLine;
using System.Globalization;
using PlmKit.FineTuning;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit predict</c>: predictions of a fine-tuned model (see <see cref="PredictJob"/>).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The ESM-2 the adapters were trained on: zoo name, folder or fair-esm .pt file.", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "Checkpoint of plmkit finetune (fold<k>.safetensors): adapters, head and their settings.", Required = true };
        var input = new Option<string>("--input") { Description = "FASTA, or CSV with id and sequence columns (a target column, if present, is scored against).", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Padded tokens per forward batch.", DefaultValueFactory = _ => 4096 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch." };
        var outDir = new Option<string>("--out") { Description = "Output folder: predictions.csv (id, prediction[, target]) and predict.manifest.json.", Required = true };
        var command = new Command("predict", "Predict targets with a fine-tuned model (base ESM-2 + a plmkit finetune checkpoint).")
            { model, adapter, input, maxTokens, device, threads, outDir };
        command.SetAction(parse =>
        {
            var settings = new PredictSettings(parse.GetValue(model)!, parse.GetValue(adapter)!, parse.GetValue(input)!, parse.GetValue(outDir)!,
                parse.GetValue(device)!, parse.GetValue(threads), parse.GetValue(maxTokens));
            var report = PredictJob.Run(settings, ["plmkit", .. parse.Tokens.Select(t => t.Value)]);
            var stdout = parse.InvocationConfiguration.Output;
            stdout.WriteLine(double.IsNaN(report.R2)
                ? $"{report.Ids.Length} predictions"
                : string.Create(CultureInfo.InvariantCulture, $"{report.Ids.Length} predictions: R2 {report.R2:F4}, rho {report.Spearman:F4} against the input's targets"));
            stdout.WriteLine($"wrote {report.Folder}");
            return 0;
        });
        return command;
    }
}
