namespace PlmKit.Data;

/// <summary>
/// The one parser and canonical key of <see cref="AssayFormat"/>, shared by the CLI
/// (<c>--format</c>) and experiment files (<c>datasets[].format</c>).
/// </summary>
public static class AssayFormats
{
    private static readonly (string Key, AssayFormat Format)[] All =
        [("auto", AssayFormat.Auto), ("swat", AssayFormat.Swat), ("proteingym", AssayFormat.ProteinGym), ("fasta-csv", AssayFormat.FastaCsv), ("csv", AssayFormat.Csv)];

    /// <summary>The format named <paramref name="text"/> (<c>auto, swat, proteingym, fasta-csv, csv</c>).</summary>
    /// <exception cref="ConfigurationException">Any other name.</exception>
    public static AssayFormat Parse(string text)
    {
        foreach (var (key, format) in All)
            if (key == text) return format;
        throw new ConfigurationException($"unknown format '{text}' ({string.Join(", ", All.Select(a => a.Key))})");
    }

    /// <summary>
    /// Refuses a targets file for input that is not FASTA (the readers of the CSV formats take the
    /// targets from the file itself, so it would be ignored); <see cref="AssayFormat.Auto"/> is
    /// resolved first.
    /// </summary>
    /// <exception cref="ConfigurationException">Targets given for a CSV input.</exception>
    public static void CheckTargets(string path, AssayFormat format, string? targetsPath)
    {
        if (targetsPath is null) return;
        if (format == AssayFormat.Auto && File.Exists(path)) format = AssayReader.Detect(path);
        if (format is not (AssayFormat.FastaCsv or AssayFormat.Auto))
            throw new ConfigurationException($"targets {targetsPath} apply to FASTA input only; {path} is read as {format.Key()}, which holds its own targets");
    }

    /// <summary>The canonical name of <paramref name="format"/>, the one <see cref="Parse"/> reads.</summary>
    public static string Key(this AssayFormat format) => All.First(a => a.Format == format).Key;
}
