using System.Text;

namespace PlmKit;

/// <summary>
/// Whole-file writes that either complete or leave the old file untouched: every output PlmKit
/// writes (results, manifests, figures, exports) goes through here, so a crash or a kill never
/// leaves half a file behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to a temporary sibling, then renames it onto <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, temp => File.WriteAllText(temp, text, new UTF8Encoding(false)));

    /// <summary>
    /// Lets <paramref name="write"/> fill a temporary sibling of <paramref name="path"/>, then renames
    /// it onto <paramref name="path"/> (creating the folder when needed). The sibling's name is
    /// unique to this call, so processes writing the same file at once never write or rename each
    /// other's temporary file, and it keeps the extension, for writers that choose the format by it
    /// (Chromium's screenshots).
    /// </summary>
    public static void Write(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
