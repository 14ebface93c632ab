using System.CommandLine;
using System.Globalization;
using PlmKit.Data;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit datasets list|show|fetch</c>: the data catalogue (the study's DMS assays and result
/// tables with source URL and SHA-256), where each file is found locally, and downloading.
/// </summary>
internal static class DatasetsCommand
{
    public static Command Create()
    {
        var command = new Command("datasets", $"The data catalogue: the study's DMS assays and result tables (offline: set {DataCatalog.DataDirVariable} to a folder with the files).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Fetch());
        return command;
    }

    private static Option<string?> DataDir() => new("--data-dir")
    {
        Description = $"Folder with the files in the catalogue's layout (default: ${DataCatalog.DataDirVariable}).",
    };

    private static Option<string?> Cache() => new("--cache") { Description = "Download cache (default: ~/.cache/plmkit/data)." };

    private static DataCatalog Catalog(string? dataDir, string? cache, bool allowDownload)
    {
        var defaults = new DataCatalogOptions();
        if (dataDir is not null && !Directory.Exists(dataDir))
            throw new ConfigurationException($"--data-dir: folder '{dataDir}' does not exist");
        return DataCatalog.Load(defaults with
        {
            OverrideDirectory = dataDir ?? defaults.OverrideDirectory,
            CacheDirectory = cache ?? defaults.CacheDirectory,
            AllowDownload = allowDownload,
        });
    }

    private static Command List()
    {
        var kind = new Option<string?>("--kind") { Description = "Only this kind: dms, results, metadata or pisces." };
        var command = new Command("list", "List the datasets: name, kind, rows, description.");
        command.Options.Add(kind);
        command.SetAction(parse =>
        {
            var catalog = DataCatalog.Load();
            var k = parse.GetValue(kind);
            var entries = catalog.Entries.Where(e => k is null || e.Kind.Equals(k, StringComparison.OrdinalIgnoreCase)).ToList();
            if (entries.Count == 0)
                throw new ConfigurationException($"--kind: no datasets of kind '{k}' (kinds: {string.Join(", ", catalog.Entries.Select(e => e.Kind).Distinct())})");
            var output = parse.InvocationConfiguration.Output;
            int width = entries.Max(e => e.Name.Length);
            foreach (var e in entries)
                output.WriteLine($"{e.Name.PadRight(width)}  {e.Kind,-8} {e.Rows?.ToString(CultureInfo.InvariantCulture) ?? "",7}  {e.Description}");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Dataset name (see 'plmkit datasets list')." };
        var dataDir = DataDir();
        var cache = Cache();
        var command = new Command("show", "Show one dataset: source URL, SHA-256, size, and where it is found locally.");
        command.Arguments.Add(name);
        command.Options.Add(dataDir);
        command.Options.Add(cache);
        command.SetAction(parse =>
        {
            var catalog = Catalog(parse.GetValue(dataDir), parse.GetValue(cache), allowDownload: false);
            var e = catalog.Get(parse.GetValue(name)!);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"name:        {e.Name}");
            output.WriteLine($"kind:        {e.Kind} ({e.Format})");
            output.WriteLine($"description: {e.Description}");
            if (e.Reference is not null) output.WriteLine($"reference:   {e.Reference}");
            if (e.Rows is not null) output.WriteLine($"rows:        {e.Rows}");
            if (e.Bytes is not null) output.WriteLine($"bytes:       {e.Bytes}");
            output.WriteLine($"checksum:    {e.Checksum}");
            output.WriteLine($"url:         {e.Url}");
            output.WriteLine($"source:      {catalog.Source}");
            string local;
            try
            {
                local = catalog.Resolve(e.Name) + " (checksum verified)";
            }
            catch (PlmKitException ex) when (ex is not InputException)
            {
                // Not present locally is an answer here, not an error; a damaged file still fails.
                local = "not present; 'plmkit datasets fetch " + e.Name + "' downloads it";
            }
            output.WriteLine($"local:       {local}");
            return 0;
        });
        return command;
    }

    private static Command Fetch()
    {
        var names = new Argument<string[]>("names") { Description = "Datasets to fetch.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Fetch every dataset of the catalogue." };
        var kind = new Option<string?>("--kind") { Description = "Fetch every dataset of this kind (dms, results, metadata, pisces)." };
        var offline = new Option<bool>("--offline") { Description = "Never download: only check the local copies." };
        var dataDir = DataDir();
        var cache = Cache();
        var command = new Command("fetch", "Make datasets available locally (verified against their SHA-256) and print their paths.");
        command.Arguments.Add(names);
        foreach (var o in new Option[] { all, kind, offline, dataDir, cache }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var catalog = Catalog(parse.GetValue(dataDir), parse.GetValue(cache), allowDownload: !parse.GetValue(offline));
            var wanted = (parse.GetValue(names) ?? []).ToList();
            var k = parse.GetValue(kind);
            if (parse.GetValue(all)) wanted.AddRange(catalog.Entries.Select(e => e.Name));
            else if (k is not null) wanted.AddRange(catalog.Entries.Where(e => e.Kind.Equals(k, StringComparison.OrdinalIgnoreCase)).Select(e => e.Name));
            if (wanted.Count == 0) throw new ConfigurationException("datasets fetch: name at least one dataset, or use --all or --kind");
            // Check every name before touching the network.
            var entries = wanted.Distinct(StringComparer.OrdinalIgnoreCase).Select(catalog.Get).ToList();
            var output = parse.InvocationConfiguration.Output;
            foreach (var e in entries)
                output.WriteLine($"{e.Name}\t{catalog.Resolve(e.Name)}");
            return 0;
        });
        return command;
    }
}
