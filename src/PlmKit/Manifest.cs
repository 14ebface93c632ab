using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PlmKit;

/// <summary>
/// The one manifest schema of PlmKit (<c>plmkit.manifest/1</c>), written beside the outputs of every
/// command and pipeline so a table can be traced to exactly what produced it. Keys, in order:
/// <c>schema, command, argv, plmkit_version, plmkit_commit, created_utc, seconds, machine, seeds,
/// config, inputs</c> (absolute path and SHA-256 of every file read), <c>outputs</c> (path relative
/// to the manifest's folder and SHA-256 of every file written), then the pipeline's own details.
/// Build one while working, call <see cref="Write"/> last, after every output exists.
/// </summary>
public sealed class Manifest
{
    /// <summary>The schema identifier written as <c>schema</c>.</summary>
    public const string Schema = "plmkit.manifest/1";

    private static readonly HashSet<string> Reserved =
        ["schema", "command", "argv", "plmkit_version", "plmkit_commit", "created_utc", "seconds", "machine", "seeds", "config", "inputs", "outputs"];

    private readonly string _command;
    private readonly IReadOnlyList<string>? _argv;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly JsonObject _seeds = [];
    private readonly JsonObject _config = [];
    private readonly List<string> _inputs = [];
    private readonly List<string> _outputs = [];
    private readonly JsonObject _details = [];

    /// <summary>Starts a manifest for <paramref name="command"/> (e.g. <c>embed</c>), with the command line when there is one.</summary>
    public Manifest(string command, IReadOnlyList<string>? argv = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        _command = command;
        _argv = argv;
    }

    /// <summary>Records a setting under <c>config</c> (serialised with System.Text.Json).</summary>
    public Manifest Config(string key, object? value)
    {
        _config[key] = ToNode(value);
        return this;
    }

    /// <summary>Records a random seed under <c>seeds</c>.</summary>
    public Manifest Seed(string name, long value)
    {
        _seeds[name] = value;
        return this;
    }

    /// <summary>Records an input file; its SHA-256 is computed when the manifest is written.</summary>
    public Manifest Input(string path)
    {
        var full = Path.GetFullPath(path);
        if (!_inputs.Contains(full)) _inputs.Add(full);
        return this;
    }

    /// <summary>Records an output file; its SHA-256 is computed when the manifest is written.</summary>
    public Manifest Output(string path)
    {
        var full = Path.GetFullPath(path);
        if (!_outputs.Contains(full)) _outputs.Add(full);
        return this;
    }

    /// <summary>Records a pipeline-specific top-level key (not one of the schema's own).</summary>
    public Manifest Set(string key, object? value)
    {
        if (Reserved.Contains(key)) throw new ArgumentException($"'{key}' is a key of the manifest schema itself", nameof(key));
        _details[key] = ToNode(value);
        return this;
    }

    /// <summary>The manifest as a JSON object, hashing inputs and outputs now; output paths are relative to <paramref name="folder"/>.</summary>
    public JsonObject ToJson(string folder)
    {
        var root = new JsonObject
        {
            ["schema"] = Schema,
            ["command"] = _command,
            ["argv"] = _argv is null ? null : new JsonArray(_argv.Select(a => (JsonNode?)a).ToArray()),
            ["plmkit_version"] = PlmKitVersion.Current,
            ["plmkit_commit"] = PlmKitVersion.Commit,
            ["created_utc"] = _started.ToString("O", CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round((DateTimeOffset.UtcNow - _started).TotalSeconds, 3),
            ["machine"] = new JsonObject
            {
                ["os"] = RuntimeInformation.OSDescription,
                ["cores"] = Environment.ProcessorCount,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["seeds"] = _seeds.DeepClone(),
            ["config"] = _config.DeepClone(),
            ["inputs"] = new JsonArray(_inputs.Select(p => (JsonNode?)new JsonObject
            {
                ["path"] = p,
                ["sha256"] = File.Exists(p) ? FileHash.Sha256(p) : null,
            }).ToArray()),
            ["outputs"] = new JsonArray(_outputs.Select(p => (JsonNode?)new JsonObject
            {
                ["path"] = Path.GetRelativePath(folder, p).Replace('\\', '/'),
                ["sha256"] = File.Exists(p) ? FileHash.Sha256(p) : throw new InvalidOperationException($"manifest output {p} does not exist; write the manifest after its outputs"),
            }).ToArray()),
        };
        foreach (var (key, value) in _details) root[key] = value?.DeepClone();
        return root;
    }

    /// <summary>Writes the manifest to <paramref name="path"/> atomically; call it after every output is in place.</summary>
    public void Write(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        AtomicFile.WriteAllText(path, ToJson(folder).ToJsonString(Options) + "\n");
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), Options),
    };
}
