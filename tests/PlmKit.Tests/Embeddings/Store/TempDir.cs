namespace PlmKit.Tests.Embeddings.Store;

/// <summary>A fresh temporary directory, deleted on Dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("plmkit-store-test-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a child process may still hold a file for a moment; the OS cleans /tmp */ }
    }
}
