using System.Text.Json;
using System.Text.Json.Nodes;
using PlmKit.Data;
using PlmKit.Embeddings.Store;

namespace PlmKit.Experiments;

/// <summary>
/// The run manifest written beside the results, in the core <see cref="Manifest"/> schema: PlmKit
/// version and commit, the command line, the full config (seeds included), SHA-256 of every input
/// and output, then the weights identity of every model, per-dataset rows and drops, and cell
/// counts — enough to tell later exactly what produced a table.
/// </summary>
public static class RunManifest
{
    /// <summary>Completes <paramref name="manifest"/> (started with the run, its outputs recorded) and writes it atomically; returns its path.</summary>
    public static string Write(string path, Manifest manifest, ExperimentConfig config,
        IReadOnlyList<(string Name, DatasetSpec Spec, string Sha256, int Rows, IReadOnlyList<DroppedRecord> Dropped)> datasets, IReadOnlyList<IEmbeddingSource> models,
        int cells, int computed, int cached)
    {
        manifest.Seed("folds", config.Seed);
        foreach (var (key, value) in JsonNode.Parse(config.ToJson())!.AsObject())
            manifest.Config(key, value);
        foreach (var d in datasets)
        {
            manifest.Input(d.Spec.Path);
            if (d.Spec.Targets is not null) manifest.Input(d.Spec.Targets);
        }
        manifest
            .Set("experiment", config.Name)
            .Set("datasets", new JsonArray(datasets.Select(d => (JsonNode?)new JsonObject
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
            }).ToArray()))
            .Set("models", new JsonArray(models.Select(m => (JsonNode?)new JsonObject
            {
                ["name"] = m.ModelName,
                ["weights"] = m.ModelId,
                ["layers"] = m.LayerCount,
                ["dtype"] = m.Dtype,
                ["long_policy"] = m.LongPolicy,
                ["device"] = m.Device,
            }).ToArray()))
            .Set("cells", new JsonObject { ["total"] = cells, ["computed"] = computed, ["cached"] = cached })
            .Set("store", config.Store)
            .Set("results", "results.csv")
            .Write(path);
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
