namespace PlmKit.Models.EsmC;

/// <summary>Loads ESM C weights. (Being written: see the ESM C helper's task.)</summary>
public static class EsmCCheckpoint
{
    /// <summary>The released file name of zoo model <paramref name="zooName"/> (<c>esmc_300m</c> → <c>esmc_300m_2024_12_v0.pth</c>), or null.</summary>
    public static string? ReleasedFileOf(string zooName) => zooName switch
    {
        "esmc_300m" => "esmc_300m_2024_12_v0.pth",
        "esmc_600m" => "esmc_600m_2024_12_v0.pth",
        _ => null,
    };

    /// <summary>The released weight file inside a Hugging Face folder (<c>data/weights/esmc_*_2024_12_v0.pth</c>), or null.</summary>
    public static string? ReleasedFileIn(string folder)
    {
        foreach (var name in new[] { "esmc_300m_2024_12_v0.pth", "esmc_600m_2024_12_v0.pth" })
        {
            var path = Path.Combine(folder, "data", "weights", name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Loads an ESM C model.</summary>
    public static LoadedModel Load(string path) => throw new ModelLoadException($"{path}: ESM C loading is not written yet.");
}
