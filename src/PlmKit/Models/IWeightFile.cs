namespace PlmKit.Models;

/// <summary>
/// An open weight file whose tensors are read one by one when copied into the model (or, when
/// streamed, each time their block runs); the file stays open until disposed.
/// </summary>
public interface IWeightFile : IDisposable
{
    /// <summary>The file.</summary>
    string Path { get; }

    /// <summary>The keys of its tensors (a pickle's: its state dict's).</summary>
    IReadOnlyCollection<string> Keys { get; }

    /// <summary>The tensor <paramref name="key"/>, described by the file and read when copied.</summary>
    StoredTensor Tensor(string key);
}
