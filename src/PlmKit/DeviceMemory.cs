using System.Runtime.InteropServices;

namespace PlmKit;

/// <summary>
/// Free and total memory of a CUDA device as its driver reports them, for sizing work to the GPU
/// (TorchSharp 0.107 has no such query). The driver library (<c>libcuda.so.1</c>, <c>nvcuda.dll</c>)
/// ships with every NVIDIA driver, so no CUDA toolkit is needed; the device is numbered as CUDA and
/// libtorch number it (after <c>CUDA_VISIBLE_DEVICES</c> and <c>CUDA_DEVICE_ORDER</c>), and the query
/// runs in the device's primary context, the one libtorch itself uses, so it creates no second context.
/// </summary>
public static class DeviceMemory
{
    /// <summary>Free and total bytes of CUDA device <paramref name="ordinal"/>, or null where there is no NVIDIA driver, no such device, or the driver refuses.</summary>
    /// <param name="ordinal">Device number as in <c>cuda:N</c>.</param>
    public static (long Free, long Total)? Cuda(int ordinal)
    {
        if (ordinal < 0) return null;
        string name = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        // Kept loaded: once cuInit has run, unloading the driver under libtorch's feet would be unsafe.
        if (!NativeLibrary.TryLoad(name, out var driver)) return null;
        return Query(driver, ordinal);
    }

    // cuInit, then cuMemGetInfo with the device's primary context current; any CUresult other than 0 gives null.
    private static unsafe (long Free, long Total)? Query(nint driver, int ordinal)
    {
        if (!NativeLibrary.TryGetExport(driver, "cuInit", out var init)
            || !NativeLibrary.TryGetExport(driver, "cuDeviceGet", out var deviceGet)
            || !NativeLibrary.TryGetExport(driver, "cuDevicePrimaryCtxRetain", out var retain)
            || !NativeLibrary.TryGetExport(driver, "cuDevicePrimaryCtxRelease_v2", out var release)
            || !NativeLibrary.TryGetExport(driver, "cuCtxPushCurrent_v2", out var push)
            || !NativeLibrary.TryGetExport(driver, "cuCtxPopCurrent_v2", out var pop)
            || !NativeLibrary.TryGetExport(driver, "cuMemGetInfo_v2", out var memGetInfo))
            return null;
        if (((delegate* unmanaged<uint, int>)init)(0) != 0) return null;
        int device;
        if (((delegate* unmanaged<int*, int, int>)deviceGet)(&device, ordinal) != 0) return null;
        nint context;
        if (((delegate* unmanaged<nint*, int, int>)retain)(&context, device) != 0) return null;
        try
        {
            if (((delegate* unmanaged<nint, int>)push)(context) != 0) return null;
            nuint free, total;
            int result = ((delegate* unmanaged<nuint*, nuint*, int>)memGetInfo)(&free, &total);
            nint popped;
            _ = ((delegate* unmanaged<nint*, int>)pop)(&popped);
            return result == 0 ? ((long)free, (long)total) : null;
        }
        finally
        {
            _ = ((delegate* unmanaged<int, int>)release)(device);
        }
    }
}
