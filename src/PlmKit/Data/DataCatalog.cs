using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PlmKit.Data;

/// <summary>One dataset of the catalogue (<c>data/catalogue.json</c>).</summary>
/// <param name="Name">Name to resolve it by, e.g. <c>IF1_ECOLI</c> or <c>summary_DMS_esm2_150M_all_methods</c>.</param>
/// <param name="Kind"><c>dms</c> (an assay), <c>results</c> (a study table) or <c>metadata</c>.</param>
/// <param name="File">Path relative to a data folder (the layout of <c>../shared/data/swat</c>).</param>
/// <param name="Format">How to read it: <c>swat</c> (an assay for <see cref="AssayReader"/>), <c>table</c> (CSV), <c>text</c>.</param>
/// <param name="Description">What it holds.</param>
/// <param name="Url">Public source, pinned to a commit.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex; null for files only known by <paramref name="GitBlob"/>.</param>
/// <param name="Bytes">File size in bytes, when known.</param>
/// <param name="Rows">Data rows (CSV records after the header), when known.</param>
/// <param name="Reference">Paper the data come from, when known.</param>
/// <param name="GitBlob">
/// Git's object id of the file at the pinned commit (SHA-1 of <c>"blob {size}\0"</c> + content):
/// the checksum of files PlmKit has not seen itself (the PISCES tables, absent from the offline copy).
/// </param>
public sealed record CatalogEntry(
    string Name, string Kind, string File, string Format, string Description, string Url, string? Sha256, long? Bytes = null,
    int? Rows = null, string? Reference = null, string? GitBlob = null)
{
    /// <summary>The checksum a local copy is checked against, e.g. <c>sha256:ab12…</c> or <c>git-blob:cd34…</c>.</summary>
    public string Checksum => Sha256 is not null ? $"sha256:{Sha256}" : $"git-blob:{GitBlob}";
}

/// <summary>Where <see cref="DataCatalog"/> looks for files, and whether it may download.</summary>
public sealed record DataCatalogOptions
{
    /// <summary>
    /// Folder with the files in the catalogue's layout (e.g. <c>../shared/data/swat</c>), used
    /// instead of the cache and the network. Default: the <see cref="DataCatalog.DataDirVariable"/>
    /// environment variable.
    /// </summary>
    public string? OverrideDirectory { get; init; } = Environment.GetEnvironmentVariable(DataCatalog.DataDirVariable) is { Length: > 0 } d ? d : null;

    /// <summary>Download cache; default <c>$XDG_CACHE_HOME/plmkit/data</c> or <c>~/.cache/plmkit/data</c>.</summary>
    public string CacheDirectory { get; init; } = DefaultCache();

    /// <summary>Whether a file in neither place may be downloaded (default true).</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Client for downloads (tests pass one with a fake handler); default a new one.</summary>
    public HttpClient? Http { get; init; }

    private static string DefaultCache()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "plmkit", "data");
    }
}

/// <summary>
/// The datasets PlmKit knows (the study's 35 DMS assays, its result tables and metadata), each
/// with a public source URL and a SHA-256. <see cref="Resolve"/> finds a local copy: the
/// override folder (<c>PLMKIT_DATA_DIR</c>, for offline use and tests), else the cache, else a
/// verified download into the cache.
/// </summary>
public sealed class DataCatalog
{
    /// <summary>Environment variable naming a local data folder (the offline override).</summary>
    public const string DataDirVariable = "PLMKIT_DATA_DIR";

    private readonly Dictionary<string, CatalogEntry> _byName;

    /// <summary>Where files are looked for.</summary>
    public DataCatalogOptions Options { get; }

    /// <summary>Entries in catalogue order.</summary>
    public ImmutableArray<CatalogEntry> Entries { get; }

    /// <summary>Repository and commit the URLs point into.</summary>
    public string Source { get; }

    private DataCatalog(CatalogFile file, DataCatalogOptions options)
    {
        Entries = file.Datasets.ToImmutableArray();
        _byName = Entries.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);
        Source = $"{file.Source.Repository} @ {file.Source.Commit}";
        Options = options;
    }

    /// <summary>The catalogue built into PlmKit (<c>data/catalogue.json</c>).</summary>
    public static DataCatalog Load(DataCatalogOptions? options = null)
    {
        using var stream = typeof(DataCatalog).Assembly.GetManifestResourceStream("PlmKit.Data.catalogue.json")
            ?? throw new PlmKitException("PlmKit was built without its data catalogue (resource PlmKit.Data.catalogue.json)");
        return Parse(stream, "catalogue.json", options);
    }

    /// <summary>A catalogue from a JSON file of the same shape as <c>data/catalogue.json</c>.</summary>
    /// <exception cref="InputException">The file is missing or not a catalogue.</exception>
    public static DataCatalog Load(string path, DataCatalogOptions? options = null)
    {
        if (!System.IO.File.Exists(path)) throw new InputException(path, null, "file not found");
        using var stream = System.IO.File.OpenRead(path);
        return Parse(stream, path, options);
    }

    private static DataCatalog Parse(Stream stream, string name, DataCatalogOptions? options)
    {
        CatalogFile? file;
        try
        {
            file = JsonSerializer.Deserialize<CatalogFile>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InputException(name, (int?)(e.LineNumber + 1), $"not a data catalogue: {e.Message}");
        }
        if (file?.Datasets is null || file.Source is null) throw new InputException(name, null, "not a data catalogue: 'source' or 'datasets' missing");
        if (file.Datasets.FirstOrDefault(e => e.Sha256 is null && e.GitBlob is null) is { } unverifiable)
            throw new InputException(name, null, $"dataset '{unverifiable.Name}' has neither sha256 nor gitBlob: it could not be verified");
        return new DataCatalog(file, options ?? new DataCatalogOptions());
    }

    /// <summary>The entry called <paramref name="name"/> (ignoring case).</summary>
    /// <exception cref="ConfigurationException">No such dataset; the message suggests close names.</exception>
    public CatalogEntry Get(string name)
    {
        if (_byName.TryGetValue(name, out var entry)) return entry;
        var close = Entries.Where(e => e.Name.Contains(name, StringComparison.OrdinalIgnoreCase)
                || name.Contains(e.Name.Split('_')[0], StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Name).Take(5).ToList();
        var hint = close.Count > 0 ? $"; did you mean {string.Join(", ", close)}?" : "; 'plmkit datasets list' shows them";
        throw new ConfigurationException($"no dataset '{name}' in the catalogue{hint}");
    }

    /// <summary>
    /// Local path of dataset <paramref name="name"/>, checked against its SHA-256: from the
    /// override folder, else the cache, else downloaded into the cache.
    /// </summary>
    /// <exception cref="PlmKitException">
    /// A local file whose checksum differs, or no local copy and no download (offline, refused,
    /// or a download with the wrong checksum); the message names <see cref="DataDirVariable"/>.
    /// </exception>
    public string Resolve(string name)
    {
        var entry = Get(name);
        var tried = new List<string>();
        if (Options.OverrideDirectory is { } dir)
        {
            foreach (var candidate in new[] { Path.Combine(dir, entry.File), Path.Combine(dir, Path.GetFileName(entry.File)) })
            {
                if (!System.IO.File.Exists(candidate)) continue;
                Verify(entry, candidate);
                return candidate;
            }
            tried.Add($"{Path.Combine(dir, entry.File)} (from {DataDirVariable})");
        }
        var cached = Path.Combine(Options.CacheDirectory, entry.File);
        if (System.IO.File.Exists(cached))
        {
            Verify(entry, cached);
            return cached;
        }
        tried.Add($"{cached} (cache)");
        if (!Options.AllowDownload)
            throw new PlmKitException($"dataset '{entry.Name}' is not available offline: looked in {string.Join(" and ", tried)}; "
                + $"set {DataDirVariable} to a folder holding {entry.File} (e.g. a copy of the study's data), or allow the download from {entry.Url}");
        Download(entry, cached, tried);
        return cached;
    }

    /// <summary>Resolves dataset <paramref name="name"/> and reads it as an assay (DMS entries only).</summary>
    /// <exception cref="ConfigurationException">The dataset is not an assay.</exception>
    public Assay ReadAssay(string name, AssayReadOptions? options = null)
    {
        var entry = Get(name);
        if (entry.Format != "swat")
            throw new ConfigurationException($"dataset '{entry.Name}' is a {entry.Kind} {entry.Format}, not an assay");
        return AssayReader.Read(Resolve(name), AssayFormat.Swat, (options ?? new AssayReadOptions()) with { Name = entry.Name });
    }


    /// <summary>Git's blob id of a file: SHA-1 of <c>"blob {size}\0"</c> followed by the content, lower-case hex.</summary>
    public static string GitBlobOf(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(System.Text.Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 16];
        for (int n; (n = stream.Read(buffer)) > 0;) sha1.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>The file's checksum in the form of <see cref="CatalogEntry.Checksum"/> for <paramref name="entry"/>.</summary>
    private static string ChecksumOf(CatalogEntry entry, string path) =>
        entry.Sha256 is not null ? $"sha256:{FileHash.Sha256(path)}" : $"git-blob:{GitBlobOf(path)}";

    private static void Verify(CatalogEntry entry, string path)
    {
        var actual = ChecksumOf(entry, path);
        if (actual != entry.Checksum)
            throw new InputException(path, null,
                $"dataset '{entry.Name}' differs from the catalogue: {actual}, expected {entry.Checksum} (a damaged or different version of {entry.Url})");
    }

    private void Download(CatalogEntry entry, string target, List<string> tried)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = target + ".part";
        var http = Options.Http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            using (var response = http.GetAsync(entry.Url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream();
                using var file = System.IO.File.Create(partial);
                body.CopyTo(file);
            }
            var actual = ChecksumOf(entry, partial);
            if (actual != entry.Checksum)
                throw new PlmKitException($"download of dataset '{entry.Name}' from {entry.Url} has {actual}, expected {entry.Checksum}; nothing was stored");
            System.IO.File.Move(partial, target, overwrite: true);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new PlmKitException($"dataset '{entry.Name}' could not be downloaded from {entry.Url} ({e.Message}); looked in {string.Join(" and ", tried)}. "
                + $"Offline? Set {DataDirVariable} to a folder holding {entry.File}", e);
        }
        finally
        {
            if (System.IO.File.Exists(partial)) System.IO.File.Delete(partial);
            if (Options.Http is null) http.Dispose();
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
    };

    private sealed record CatalogFile(
        [property: JsonPropertyName("source")] CatalogSource Source,
        [property: JsonPropertyName("datasets")] List<CatalogEntry> Datasets);

    private sealed record CatalogSource(
        [property: JsonPropertyName("repository")] string Repository,
        [property: JsonPropertyName("commit")] string Commit);
}
