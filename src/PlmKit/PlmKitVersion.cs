using System.Reflection;

namespace PlmKit;

/// <summary>The version of this PlmKit build, as every manifest and provenance record states it.</summary>
public static class PlmKitVersion
{
    private static readonly string? Informational =
        typeof(PlmKitVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>The package version, e.g. <c>0.1.0</c>.</summary>
    public static string Current { get; } = Informational?.Split('+')[0] ?? "unknown";

    /// <summary>The git commit PlmKit was built from (the SDK appends it to the informational version), or null.</summary>
    public static string? Commit { get; } =
        Informational?.IndexOf('+') is int plus and >= 0 ? Informational[(plus + 1)..] : null;
}
