using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// One tensor of a weight file, described by the file's header and read only when it is copied
/// into its parameter: a loader checks every name and shape before reading any weight.
/// </summary>
public sealed class StoredTensor
{
    private readonly Action<Tensor> copyTo;

    internal StoredTensor(string file, string key, long[] shape, bool isFloatingPoint, Action<Tensor> copyTo)
    {
        File = file;
        Key = key;
        Shape = shape;
        IsFloatingPoint = isFloatingPoint;
        this.copyTo = copyTo;
    }

    /// <summary>The file holding it.</summary>
    public string File { get; }

    /// <summary>Its key in that file.</summary>
    public string Key { get; }

    /// <summary>Its shape.</summary>
    public long[] Shape { get; }

    /// <summary>Whether its dtype is a floating-point type.</summary>
    public bool IsFloatingPoint { get; }

    /// <summary>Copies the values into <paramref name="target"/> (same shape), casting to its dtype and moving to its device.</summary>
    public void CopyTo(Tensor target) => copyTo(target);
}
