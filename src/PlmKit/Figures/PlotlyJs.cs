namespace PlmKit.Figures;

/// <summary>
/// Finds the local copy of plotly.js that figures embed, so their HTML opens offline. Nothing is
/// fetched at run time: <c>environment/figures-setup.sh</c> installs it from npm
/// (<c>plotly.js-dist-min</c>) into <c>tools/plotly/</c>.
/// </summary>
public static class PlotlyJs
{
    /// <summary>Environment variable naming a plotly.min.js to use instead of the repository's copy.</summary>
    public const string EnvironmentVariable = "PLMKIT_PLOTLY_JS";

    private const string RelativePath = "tools/plotly/node_modules/plotly.js-dist-min/plotly.min.js";

    /// <summary>
    /// Path of plotly.min.js: <c>$PLMKIT_PLOTLY_JS</c>, else <c>tools/plotly/…</c> in the first folder
    /// above PlmKit's assembly or the current directory that has it.
    /// </summary>
    /// <exception cref="ConfigurationException">No copy found (the message says how to install one).</exception>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env)
        {
            if (File.Exists(env)) return Path.GetFullPath(env);
            throw new ConfigurationException($"{EnvironmentVariable} points at '{env}', which does not exist");
        }
        foreach (var start in new[] { Path.GetDirectoryName(typeof(PlotlyJs).Assembly.Location), Directory.GetCurrentDirectory() })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new ConfigurationException(
            $"plotly.js not found: run environment/figures-setup.sh (installs npm's plotly.js-dist-min into {RelativePath}) " +
            $"or set {EnvironmentVariable} to a plotly.min.js");
    }

    /// <summary>The text of plotly.min.js (about 3.5 MB).</summary>
    /// <exception cref="ConfigurationException">No copy found.</exception>
    public static string Read() => File.ReadAllText(Locate());
}
