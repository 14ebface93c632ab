using PlmKit;
using System.Globalization;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.StoreWorker;

// A synthetic embedding job for the store's process-level tests (kill -9, two writers, SLURM):
//   PlmKit.StoreWorker [embed] --store DIR --count N [--seed S] [--shard i/N] [--batch B] [--delay-ms D] [--log FILE]
// embeds N reproducible random sequences at layers 0,1 with mean and bos pooling into DIR and prints
// one line: sequences=… reused=… computed=… added=…
// A leading "embed" is accepted so the worker reads like the plmkit command it stands in for.
if (args.Length > 0 && args[0] == "embed")
    args = args[1..];
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i + 1 < args.Length; i += 2)
    options[args[i]] = args[i + 1];
string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
int GetInt(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

if (!options.TryGetValue("--store", out var storeDir) || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: PlmKit.StoreWorker --store DIR --count N [--seed S] [--shard i/N] [--batch B] [--delay-ms D] [--log FILE]");
    return 2;
}
var items = SyntheticSource.Sequences(GetInt("--count", 100), GetInt("--seed", 1));
var source = new SyntheticSource(delay: TimeSpan.FromMilliseconds(GetInt("--delay-ms", 0)), logPath: options.GetValueOrDefault("--log"));
using var store = EmbeddingStore.Open(storeDir);
var report = new StoredEmbedder(store, source).Run(items, [0, 1], Poolings.ParseList("mean,bos"), Shard.Parse(Get("--shard", "0/1")), GetInt("--batch", 8));
Console.WriteLine($"sequences={report.Sequences} reused={report.Reused} computed={report.Computed} added={report.VectorsAdded}");
return 0;
