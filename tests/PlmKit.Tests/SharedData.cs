namespace PlmKit.Tests;

/// <summary>Locates the workplace's shared test data (../shared next to the repository root).</summary>
public static class SharedData
{
    /// <summary>Repository root: the folder holding PlmKit.slnx.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder: $PLMKIT_SHARED, else ../shared beside the repository.</summary>
    public static string Root { get; } =
        Environment.GetEnvironmentVariable("PLMKIT_SHARED") is { Length: > 0 } s ? s
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>../shared/golden</summary>
    public static string Golden => Path.Combine(Root, "golden");

    /// <summary>../shared/data/swat</summary>
    public static string Swat => Path.Combine(Root, "data", "swat");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PlmKit.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("PlmKit.slnx not found above " + AppContext.BaseDirectory);
    }
}
