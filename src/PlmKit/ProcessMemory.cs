using System.Globalization;

namespace PlmKit;

/// <summary>
/// This process's memory as Linux reports it in <c>/proc</c>: the peak resident size
/// (<c>VmHWM</c>, what a run's manifest records) and the memory the machine can still give
/// (<c>MemAvailable</c>). Null where <c>/proc</c> does not exist (Windows, macOS).
/// </summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size of this process so far, in bytes (<c>VmHWM</c> of <c>/proc/self/status</c>), or null.</summary>
    public static long? PeakResidentBytes() => Field("/proc/self/status", "VmHWM:");

    /// <summary>Current resident set size of this process, in bytes (<c>VmRSS</c>), or null.</summary>
    public static long? ResidentBytes() => Field("/proc/self/status", "VmRSS:");

    /// <summary>Memory available to new allocations without swapping, in bytes (<c>MemAvailable</c> of <c>/proc/meminfo</c>), or null.</summary>
    public static long? AvailableBytes() => Field("/proc/meminfo", "MemAvailable:");

    // Lines such as "VmHWM:\t  123456 kB".
    private static long? Field(string file, string name)
    {
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            var parts = line[name.Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
                return kb * 1024;
        }
        return null;
    }
}
