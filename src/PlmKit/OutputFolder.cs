namespace PlmKit;

/// <summary>
/// The one check of an output folder option (<c>--out</c> of every command, <c>out</c> of an
/// experiment file), run with the other checks before anything is computed or written.
/// </summary>
public static class OutputFolder
{
    /// <summary>
    /// Refuses a path that is an existing file, or that does not exist yet and ends in one of
    /// <paramref name="fileExtensions"/> (e.g. <c>.csv</c>: the user meant a file, but the command
    /// writes several files into a folder).
    /// </summary>
    /// <param name="path">The folder the command will create or write into.</param>
    /// <param name="option">The option's name as the user wrote it, for the message.</param>
    /// <param name="fileExtensions">Extensions (with the dot) that mark a path as a file name.</param>
    /// <exception cref="ConfigurationException">The path is a file or looks like a file name.</exception>
    public static void Check(string path, string option = "--out", params string[] fileExtensions)
    {
        if (File.Exists(path)) throw new ConfigurationException($"{option}: '{path}' is a file; give a folder");
        if (!Directory.Exists(path) && fileExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new ConfigurationException($"{option}: '{path}' looks like a file name; give a folder");
    }
}
