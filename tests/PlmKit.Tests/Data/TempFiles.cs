namespace PlmKit.Tests.Data;

/// <summary>A temporary folder for tiny input files, deleted on dispose.</summary>
public sealed class TempFiles : IDisposable
{
    /// <summary>The folder.</summary>
    public string Dir { get; } = Directory.CreateTempSubdirectory("plmkit-data-").FullName;

    /// <summary>Writes <paramref name="text"/> (exactly, no newline added) to a file and returns its path.</summary>
    public string Write(string name, string text, bool bom = false)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text, new System.Text.UTF8Encoding(bom));
        return path;
    }

    /// <summary>Deletes the folder.</summary>
    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
