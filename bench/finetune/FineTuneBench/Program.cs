// PlmKit side of bench/finetune/run.sh: times LoRA training steps (forward + MSE + backward +
// clipping + AdamW, i.e. LoraOptimizer.Step) of LoraEsm2Regressor on one batch, with the
// library's classes and the study's settings (LoraSettings' defaults: q_proj/v_proj, r 4,
// alpha 32, LoRA dropout 0.01, head dropout 0.1; AdamW lr 1e-4, weight decay 1e-5; clip 1.0).
// Usage: dotnet FineTuneBench.dll MODEL_FOLDER BATCH_TSV INIT_SAFETENSORS [--threads 2] [--warmup 2] [--steps 5] [--dropout-off] [--phases]
// INIT_SAFETENSORS: the adapters' and head's initial values (torch_bench.py init), so that with
// --dropout-off both sides compute the same losses.
// --phases: also time forward, backward and the rest of the step (clipping + AdamW) apart, on extra steps.
// Prints one JSON line.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PlmKit;
using PlmKit.Embeddings;
using PlmKit.FineTuning;
using PlmKit.Models.Esm;
using TorchSharp;
using static TorchSharp.torch;

var options = new Dictionary<string, int> { ["--threads"] = 2, ["--warmup"] = 2, ["--steps"] = 5 };
bool dropoutOff = false, phases = false;
var positional = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--dropout-off") dropoutOff = true;
    else if (args[i] == "--phases") phases = true;
    else if (options.ContainsKey(args[i])) options[args[i]] = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else positional.Add(args[i]);
}
if (positional.Count != 3) { Console.Error.WriteLine("usage: FineTuneBench MODEL_FOLDER BATCH_TSV INIT_SAFETENSORS [--threads N] [--warmup N] [--steps N] [--dropout-off] [--phases]"); return 2; }

TorchRuntime.EnsureLoaded();
torch.set_num_threads(options["--threads"]);
var lines = File.ReadAllLines(positional[1]).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToArray();
var sequences = lines.Select(l => l[0]).ToArray();
var targets = lines.Select(l => float.Parse(l[1], CultureInfo.InvariantCulture)).ToArray();

var loaded = EsmCheckpoint.Load(positional[0]);
var settings = dropoutOff ? new LoraSettings(Dropout: 0, HeadDropout: 0) : new LoraSettings();
using var model = new LoraEsm2Regressor(loaded.Model, settings, seed: 0);
loaded.Model.Dispose();   // the regressor holds its own copy of the frozen weights
using (no_grad())
{
    var init = TorchSharp.PyBridge.Safetensors.LoadStateDict(positional[2]);
    var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
    if (!named.Keys.Order().SequenceEqual(init.Keys.Order())) throw new InvalidDataException("the init file's tensors are not the model's trainable ones");
    foreach (var (name, value) in init) { named[name].copy_(value); value.Dispose(); }
}
using var optimizer = new LoraOptimizer(model, learningRate: 1e-4, weightDecay: 1e-5, maxNorm: 1.0);
using var tokens = Batching.Tokens(EsmAlphabet.Tokenizer, sequences);
using var y = tensor(targets).unsqueeze(1);

var times = new List<double>();
var losses = new List<double>();
for (int step = 0; step < options["--warmup"] + options["--steps"]; step++)
{
    var watch = Stopwatch.StartNew();
    var result = optimizer.Step(tokens, y);
    double elapsed = watch.Elapsed.TotalSeconds;
    losses.Add(result.Loss);
    if (step >= options["--warmup"]) times.Add(elapsed);
}

// Optional break-down, on further steps: forward, backward, and the whole step again (its
// remainder is clipping + AdamW + host copies).
var breakdown = new Dictionary<string, double>();
if (phases)
{
    var fwd = new List<double>();
    var bwd = new List<double>();
    var full = new List<double>();
    for (int step = 0; step < options["--steps"]; step++)
    {
        using (var scope = NewDisposeScope())
        {
            model.train();
            var watch = Stopwatch.StartNew();
            var preds = model.forward(tokens);
            var loss = nn.functional.mse_loss(preds, y);
            _ = loss.item<float>();
            fwd.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            loss.backward();
            bwd.Add(watch.Elapsed.TotalSeconds);
        }
        var w = Stopwatch.StartNew();
        optimizer.Step(tokens, y);
        full.Add(w.Elapsed.TotalSeconds);
    }
    breakdown["forward_s"] = Median(fwd);
    breakdown["backward_s"] = Median(bwd);
    breakdown["step_s"] = Median(full);
    breakdown["rest_s"] = Median(full) - Median(fwd) - Median(bwd);
}

double median = Median(times);
long nTokens = tokens.numel();
var rss = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
double peakMiB = double.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["side"] = "plmkit",
    ["threads"] = torch.get_num_threads(),
    ["mkl_dispatch"] = TorchRuntime.MklDispatch,
    ["tokens_shape"] = tokens.shape,
    ["tokens"] = nTokens,
    ["padding"] = tokens.eq(EsmAlphabet.Pad).sum().item<long>(),
    ["trainable"] = model.parameters().Sum(p => p.numel()),
    ["steps_s"] = times.Select(t => Math.Round(t, 4)).ToArray(),
    ["median_s"] = median,
    ["tokens_per_s"] = nTokens / median,
    ["best_s"] = times.Min(),
    ["losses"] = losses,
    ["phases"] = breakdown,
    ["peak_rss_mib"] = peakMiB,
}));
return 0;

static double Median(List<double> xs)
{
    var s = xs.OrderBy(x => x).ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
