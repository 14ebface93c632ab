using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using PlmKit.Data;
using PlmKit.Embeddings.Store;

namespace PlmKit.Experiments;

/// <summary>
/// The run manifest written beside the results: PlmKit version and commit, the command, the full
/// config (seeds included), SHA-256 of every input and the weights identity of every model, cell
/// counts and the machine — enough to tell later exactly what produced a table.
/// </summary>
public static class RunManifest
{
    /// <summary>Writes the manifest (atomically) and returns its path.</summary>
    public static string Write(string path, ExperimentConfig config, IReadOnlyList<string> commandLine,
        IReadOnlyList<(string Name, DatasetSpec Spec, string Sha256, int Rows, IReadOnlyList<DroppedRecord> Dropped)> datasets, IReadOnlyList<IEmbeddingSource> models,
        int cells, int computed, int cached, TimeSpan elapsed)
    {
        var manifest = new JsonObject
        {
            ["plmkit_version"] = PlmKitVersion.Current,
            ["plmkit_commit"] = PlmKitVersion.Commit,
            ["created_utc"] = DateTime.UtcNow.ToString("O"),
            ["command"] = new JsonArray(commandLine.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["experiment"] = config.Name,
            ["seed"] = config.Seed,
            ["folds"] = config.Folds,
            ["config"] = JsonNode.Parse(config.ToJson()),
            ["datasets"] = new JsonArray(datasets.Select(d => (JsonNode?)new JsonObject
            {
                ["name"] = d.Name,
                ["path"] = d.Spec.Path,
                ["targets"] = d.Spec.Targets,
                ["sha256"] = d.Sha256,
                ["rows"] = d.Rows,
                ["dropped_rows"] = new JsonArray(d.Dropped.Select(r => (JsonNode?)new JsonObject
                {
                    ["file"] = r.File, ["line"] = r.Line, ["id"] = r.Id, ["problem"] = r.Problem,
                }).ToArray()),
            }).ToArray()),
            ["models"] = new JsonArray(models.Select(m => (JsonNode?)new JsonObject
            {
                ["name"] = m.ModelName,
                ["weights"] = m.ModelId,
                ["layers"] = m.LayerCount,
                ["dtype"] = m.Dtype,
                ["long_policy"] = m.LongPolicy,
                ["device"] = m.Device,
            }).ToArray()),
            ["cells"] = new JsonObject { ["total"] = cells, ["computed"] = computed, ["cached"] = cached },
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 3),
            ["machine"] = new JsonObject
            {
                ["os"] = RuntimeInformation.OSDescription,
                ["cores"] = Environment.ProcessorCount,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["store"] = config.Store,
            ["results"] = "results.csv",
        };
        AtomicFile.WriteAllText(path, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    /// <summary>
    /// Adds the run's figures (path relative to the output folder and SHA-256 of each file) to the
    /// manifest at <paramref name="path"/>, rewriting it atomically; <paramref name="note"/> (e.g.
    /// why there are no PNGs) is recorded as <c>figures_note</c>.
    /// </summary>
    public static void AddFigures(string path, IReadOnlyList<FigureFile> files, string? note)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        manifest["figures"] = new JsonArray(files.Select(f => (JsonNode?)new JsonObject { ["file"] = f.File, ["sha256"] = f.Sha256 }).ToArray());
        if (note is not null)
            manifest["figures_note"] = note;
        AtomicFile.WriteAllText(path, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
