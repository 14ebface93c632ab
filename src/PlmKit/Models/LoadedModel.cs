using System.Security.Cryptography;

namespace PlmKit.Models;

/// <summary>A model loaded from disk, with where it came from.</summary>
/// <param name="Model">The model in eval mode, in the dtype and on the device the load asked for (<see cref="LoadOptions"/>; float32 on the CPU by default).</param>
/// <param name="Name">Short name (zoo name, folder or file name without extension).</param>
/// <param name="Source">The folder or file it was loaded from.</param>
/// <param name="WeightFiles">The weight files read, in order (for <see cref="ComputeWeightsSha256"/>).</param>
public record LoadedModel(IProteinModel Model, string Name, string Source, IReadOnlyList<string> WeightFiles)
{
    /// <summary>
    /// SHA-256 (lower-case hex) of the weight files' bytes, concatenated in <see cref="WeightFiles"/>
    /// order: identifies the exact weights a result came from. Reads every byte (about 1 s per GB).
    /// </summary>
    public string ComputeWeightsSha256()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in WeightFiles)
        {
            using var stream = File.OpenRead(file);
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
