using System.Net;
using PlmKit.Data;

namespace PlmKit.Tests.Data;

/// <summary>The catalogue against the shared copy of the study's data; downloads through a fake handler only.</summary>
public sealed class DataCatalogTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private DataCatalog Offline(string? overrideDir) => DataCatalog.Load(new DataCatalogOptions
    {
        OverrideDirectory = overrideDir,
        CacheDirectory = _tmp.Sub("cache"),
        AllowDownload = false,
    });

    [Fact]
    public void ListsThe35AssaysAndTheStudyTables()
    {
        var catalog = Offline(SharedData.Swat);
        Assert.Equal(35, catalog.Entries.Count(e => e.Kind == "dms"));
        Assert.Equal(6, catalog.Entries.Count(e => e.Kind == "results"));
        Assert.Equal(4, catalog.Entries.Count(e => e.Kind == "pisces"));
        Assert.Contains("fa7173381624413399049c533a1078a14c4993cb", catalog.Source);
        Assert.All(catalog.Entries, e =>
        {
            Assert.Matches("^(sha256:[0-9a-f]{64}|git-blob:[0-9a-f]{40})$", e.Checksum);
            Assert.StartsWith("https://", e.Url);
            Assert.Contains("fa7173381624413399049c533a1078a14c4993cb", e.Url);
            Assert.False(string.IsNullOrWhiteSpace(e.Description));
        });
        Assert.Equal(
            Directory.GetFiles(Path.Combine(SharedData.Swat, "dms"), "*.csv").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal),
            catalog.Entries.Where(e => e.Kind == "dms").Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryEntryResolvesFromTheOverrideWithItsChecksum()
    {
        var catalog = Offline(SharedData.Swat);
        // Everything but the PISCES tables is in the shared copy and carries a SHA-256.
        foreach (var e in catalog.Entries.Where(e => e.Kind != "pisces"))
        {
            var path = catalog.Resolve(e.Name);
            Assert.Equal(Path.Combine(SharedData.Swat, e.File), path);
            Assert.Equal(e.Bytes, new FileInfo(path).Length);
            if (e.Kind == "dms") Assert.Equal(e.Rows, File.ReadLines(path).Count() - 1);
        }
    }

    [Fact]
    public void PiscesTablesAreKnownByTheirGitBlobAndAbsentOffline()
    {
        var catalog = Offline(SharedData.Swat);
        foreach (var e in catalog.Entries.Where(e => e.Kind == "pisces"))
        {
            Assert.Null(e.Sha256);
            var error = Assert.Throws<PlmKitException>(() => catalog.Resolve(e.Name));
            Assert.Contains("not available offline", error.Message);
        }
    }

    [Fact]
    public void GitBlobIdsAreGitsOwn()
    {
        // "hello\n" is the example of the Git book; pisces_pdb_ids.txt has blob a7883a4 at SWAT fa71733.
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", DataCatalog.GitBlobOf(_tmp.Write("h.txt", "hello\n")));
        Assert.Equal("a7883a4f4d3780d12a04d498e82e4c849e1dd314", DataCatalog.GitBlobOf(Path.Combine(SharedData.Swat, "pisces_pdb_ids.txt")));
    }

    [Fact]
    public void DownloadsAreCheckedByGitBlobToo()
    {
        var json = _tmp.Write("cat.json", """
            { "source": { "repository": "r", "commit": "c" },
              "datasets": [ { "name": "greeting", "kind": "pisces", "file": "g/hello.txt", "format": "text", "description": "d",
                              "url": "https://example.invalid/hello.txt", "gitBlob": "ce013625030ba8dba906f756967f9e9ca394464a" } ] }
            """);
        string body = "hello\n";
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
        var options = new DataCatalogOptions { OverrideDirectory = null, CacheDirectory = _tmp.Sub("cache"), Http = new HttpClient(handler) };
        Assert.Equal("hello\n", File.ReadAllText(DataCatalog.Load(json, options).Resolve("greeting")));
        body = "hullo\n";
        var other = options with { CacheDirectory = _tmp.Sub("cache2") };
        Assert.Contains("expected git-blob:ce01362", Assert.Throws<PlmKitException>(() => DataCatalog.Load(json, other).Resolve("greeting")).Message);
        var noChecksum = _tmp.Write("bad.json", """{ "source": { "repository": "r", "commit": "c" }, "datasets": [ { "name": "x", "kind": "k", "file": "f", "format": "text", "description": "d", "url": "u" } ] }""");
        Assert.Contains("neither sha256 nor gitBlob", Assert.Throws<InputException>(() => DataCatalog.Load(noChecksum, options)).Message);
        Assert.Contains("not a data catalogue", Assert.Throws<InputException>(() => DataCatalog.Load(_tmp.Write("x.json", "[1,2"), options)).Message);
    }

    [Fact]
    public void ReadsAnAssayByName()
    {
        var assay = Offline(SharedData.Swat).ReadAssay("if1_ecoli");
        Assert.Equal("IF1_ECOLI", assay.Name);
        Assert.Equal(1439, assay.Count);
        Assert.Throws<ConfigurationException>(() => Offline(SharedData.Swat).ReadAssay("PISCES_all_multi_model"));
    }

    [Fact]
    public void TheEnvironmentVariableIsTheDefaultOverride()
    {
        var before = Environment.GetEnvironmentVariable(DataCatalog.DataDirVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataCatalog.DataDirVariable, SharedData.Swat);
            Assert.Equal(SharedData.Swat, new DataCatalogOptions().OverrideDirectory);
            Assert.Equal(Path.Combine(SharedData.Swat, "dms", "YAP1_HUMAN_Fields2012_singles.csv"), DataCatalog.Load().Resolve("YAP1_HUMAN_Fields2012_singles"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataCatalog.DataDirVariable, before);
        }
    }

    [Fact]
    public void AbsentOfflineNamesTheVariable()
    {
        var e = Assert.Throws<PlmKitException>(() => Offline(_tmp.Path).Resolve("IF1_ECOLI"));
        Assert.Contains("PLMKIT_DATA_DIR", e.Message);
        Assert.Contains("dms/IF1_ECOLI.csv", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AFlatFolderWorksToo()
    {
        File.Copy(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv"), _tmp.Sub("IF1_ECOLI.csv"));
        Assert.Equal(_tmp.Sub("IF1_ECOLI.csv"), Offline(_tmp.Path).Resolve("IF1_ECOLI"));
    }

    [Fact]
    public void ADamagedLocalFileIsRejected()
    {
        Directory.CreateDirectory(_tmp.Sub("dms"));
        var path = _tmp.Write(Path.Combine("dms", "IF1_ECOLI.csv"), ",ID,mutant,target,sequence\n");
        var e = Assert.Throws<InputException>(() => Offline(_tmp.Path).Resolve("IF1_ECOLI"));
        Assert.Equal(path, e.File);
        Assert.Contains("differs from the catalogue", e.Message);
    }

    [Fact]
    public void UnknownNamesGetSuggestions()
    {
        var e = Assert.Throws<ConfigurationException>(() => Offline(SharedData.Swat).Get("BLAT_ECOLX"));
        Assert.Contains("did you mean BLAT_ECOLX_", e.Message);
    }

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<Uri> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!);
            return Task.FromResult(respond(request));
        }
    }

    private DataCatalog Online(FakeHandler handler) => DataCatalog.Load(new DataCatalogOptions
    {
        OverrideDirectory = null,
        CacheDirectory = _tmp.Sub("cache"),
        Http = new HttpClient(handler),
    });

    [Fact]
    public void DownloadsIntoTheCacheOnceAndVerifies()
    {
        var bytes = File.ReadAllBytes(Path.Combine(SharedData.Swat, "dms", "YAP1_HUMAN_Fields2012_singles.csv"));
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) });
        var catalog = Online(handler);
        var path = catalog.Resolve("YAP1_HUMAN_Fields2012_singles");
        Assert.Equal(Path.Combine(_tmp.Path, "cache", "dms", "YAP1_HUMAN_Fields2012_singles.csv"), path);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(path, catalog.Resolve("YAP1_HUMAN_Fields2012_singles"));
        Assert.Single(handler.Requests);
        Assert.EndsWith("/data/DMS_metadata/YAP1_HUMAN_Fields2012_singles_metadata.csv", handler.Requests[0].ToString());
    }

    [Fact]
    public void AWrongDownloadIsNotStored()
    {
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>moved</html>") });
        var e = Assert.Throws<PlmKitException>(() => Online(handler).Resolve("IF1_ECOLI"));
        Assert.Contains("expected sha256:" + Offline(null).Get("IF1_ECOLI").Sha256, e.Message);
        Assert.Empty(Directory.GetFiles(_tmp.Sub("cache"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void NoNetworkGivesOneClearMessage()
    {
        var handler = new FakeHandler(_ => throw new HttpRequestException("Name or service not known"));
        var e = Assert.Throws<PlmKitException>(() => Online(handler).Resolve("IF1_ECOLI"));
        Assert.Contains("could not be downloaded", e.Message);
        Assert.Contains("Offline? Set PLMKIT_DATA_DIR", e.Message);
        var notFound = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        Assert.Contains("404", Assert.Throws<PlmKitException>(() => Online(notFound).Resolve("IF1_ECOLI")).Message);
    }
}
