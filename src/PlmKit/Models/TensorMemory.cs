using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Where a tensor's data lives, without reading it: TorchSharp exposes the storage's address only
/// inside its <c>Storage</c> class, and <c>Tensor.bytes</c> copies a device tensor to the host and
/// cannot span more than 2 GiB.
/// </summary>
internal static partial class TensorMemory
{
    /// <summary>The address of <paramref name="t"/>'s storage (shared by every view of it), on its device.</summary>
    public static nint Storage(Tensor t) => THSStorage_data_ptr(t.Handle);

    /// <summary>The address of <paramref name="t"/>'s first element, on its device.</summary>
    public static nint First(Tensor t) => Storage(t) + (nint)(t.storage_offset() * t.ElementSize);

    [LibraryImport("LibTorchSharp")]
    private static partial nint THSStorage_data_ptr(nint tensor);
}
