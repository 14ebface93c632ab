namespace PlmKit.Tests;

/// <summary>A fresh temporary directory for a test's inputs and outputs, deleted on Dispose.</summary>
internal sealed class TempDir : IDisposable
{
    /// <summary>The directory.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("plmkit-test-").FullName;

    /// <summary>The path of <paramref name="name"/> inside the directory (nothing is created).</summary>
    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="text"/> (exactly, no newline added) to a file and returns its path.</summary>
    public string Write(string name, string text, bool bom = false)
    {
        var path = Sub(name);
        File.WriteAllText(path, text, new System.Text.UTF8Encoding(bom));
        return path;
    }

    /// <summary>Deletes the directory.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a child process may still hold a file for a moment; the OS cleans /tmp */ }
    }
}
