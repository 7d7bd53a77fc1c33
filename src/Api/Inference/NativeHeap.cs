using System.Runtime.InteropServices;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Gives the C heap's free pages back to the system after a model version's sessions are closed. ONNX Runtime builds a
/// session's graph and arena with malloc; glibc keeps what is freed for reuse (and raises its mmap threshold after large
/// frees, so later large blocks come from the heap too), and a service that replaces models keeps the high-water mark
/// of every load in its RSS. <c>malloc_trim</c> returns the free pages of every arena. Elsewhere than glibc it does nothing.
/// </summary>
internal static class NativeHeap
{
    private static int unavailable = OperatingSystem.IsLinux() ? 0 : 1;
    private static int queued;

    /// <summary>Trims the heap on a pool thread, soon; calls that come while one is queued are folded into it.</summary>
    public static void TrimSoon()
    {
        if (Volatile.Read(ref unavailable) == 1 || Interlocked.Exchange(ref queued, 1) == 1)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static _ =>
            {
                Volatile.Write(ref queued, 0);
                Trim();
            },
            null);
    }

    private static void Trim()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
            Volatile.Write(ref unavailable, 1);
        }
    }

    // A blittable signature: DllImport needs no marshalling code (LibraryImport would need unsafe code in the project).
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
