using System.Security.Cryptography;

namespace PlmKit;

/// <summary>SHA-256 of files, as every manifest, cache key and checksum in PlmKit records them.</summary>
public static class FileHash
{
    /// <summary>SHA-256 of the bytes of the file at <paramref name="path"/>, as 64 lower-case hex digits.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
