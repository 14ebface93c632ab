using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// One tensor of a weight file, described by the file's header and read only when it is copied
/// into its parameter: a loader checks every name and shape before reading any weight.
/// </summary>
public sealed class StoredTensor
{
    private readonly Action<Tensor> copyTo;

    internal StoredTensor(string file, string key, long[] shape, ScalarType type, Action<Tensor> copyTo)
    {
        File = file;
        Key = key;
        Shape = shape;
        Type = type;
        this.copyTo = copyTo;
    }

    /// <summary>The file holding it.</summary>
    public string File { get; }

    /// <summary>Its key in that file.</summary>
    public string Key { get; }

    /// <summary>Its shape.</summary>
    public long[] Shape { get; }

    /// <summary>Its dtype in the file.</summary>
    public ScalarType Type { get; }

    /// <summary>Whether its dtype is a floating-point type.</summary>
    public bool IsFloatingPoint => Type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>Copies the values into <paramref name="target"/> (same shape), casting to its dtype and moving to its device.</summary>
    public void CopyTo(Tensor target) => copyTo(target);

    /// <summary>Reads it whole, in the file's dtype, on the CPU; the caller disposes the result.</summary>
    public Tensor Read()
    {
        var t = empty(Shape, Type);
        CopyTo(t);
        return t;
    }
}
