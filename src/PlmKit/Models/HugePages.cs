using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Asks Linux to back a freshly allocated weight with transparent huge pages before the file is
/// read into it (<c>madvise(MADV_HUGEPAGE)</c>), so filling it takes one page fault per 2 MiB instead
/// of one per 4 KiB. On a 150M-shape ESM-2 (591 MB) here the faults were most of the load time
/// (a plain read of the file into fresh memory took 1.2 s, from the page cache). Where the kernel
/// has huge pages only on request (<c>enabled=madvise</c>, Debian's default) this is what turns them on;
/// elsewhere, or for weights under 2 MiB, it does nothing.
/// </summary>
internal static partial class HugePages
{
    private const int MadviseHugePage = 14;
    private const long HugePage = 2L << 20, Page = 4096;

    /// <summary>Advises huge pages for the whole pages inside <paramref name="tensor"/>'s memory (a CPU tensor of at least 2 MiB; others are left alone).</summary>
    /// <returns>The address range advised, or null when none was (not Linux, too small, not on the CPU, or the kernel refused).</returns>
    public static (long Start, long Length)? Advise(Tensor tensor)
    {
        if (!OperatingSystem.IsLinux() || tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous()) return null;
        long bytes = tensor.numel() * tensor.ElementSize;
        if (bytes < HugePage) return null;
        long data = TensorMemory.First(tensor);
        long start = (data + Page - 1) & ~(Page - 1);
        long end = (data + bytes) & ~(Page - 1);
        // Advice only: a kernel without THP answers EINVAL, and the weight is read into small pages as before.
        return end > start && madvise((nint)start, (nuint)(end - start), MadviseHugePage) == 0 ? (start, end - start) : null;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
