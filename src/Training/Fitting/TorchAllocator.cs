using System.Runtime.InteropServices;
using TorchSharp;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// Switches libtorch's CPU allocator between handing out memory as it is (its default) and zeroed memory. The CPU
/// convolution's backward pass in the libtorch that TorchSharp 0.107 ships reads memory it has not written and
/// multiplies it by zero: finite bits there vanish, but NaN or infinity left by earlier use of that memory turns a few
/// channels of a gradient into NaN. Which memory a pass gets depends on what the process freed before, so the fault
/// comes and goes with load and garbage collections. With zeroed memory a pass gives the same bits as one that was
/// handed clean memory; zeroing every allocation costs a memset each (about an eighth of a convolutional training's
/// speed), so <see cref="GradientStep"/> asks for it only to compute a batch again.
/// </summary>
internal static class TorchAllocator
{
    private const string ZeroFillFlag = "FLAGS_caffe2_cpu_allocator_do_zero_fill";

    private static readonly Lazy<nint> Flag = new(FindFlag);

    /// <summary>Whether libtorch's flag was found (it is, in the libtorch this project ships with).</summary>
    public static bool CanZeroFill => Flag.Value != 0;

    /// <summary>New CPU allocations are zeroed until the returned scope is disposed; without the flag, nothing changes.</summary>
    public static IDisposable ZeroFill()
    {
        var flag = Flag.Value;
        if (flag == 0)
        {
            return new Scope(0, 0);
        }

        var before = Marshal.ReadByte(flag);
        Marshal.WriteByte(flag, 1);
        return new Scope(flag, before);
    }

    private static nint FindFlag()
    {
        // Any call loads libtorch, and with it libc10, whose global flag the allocator reads on every allocation.
        _ = torch.get_num_threads();
        foreach (var name in new[] { "libc10.so", "libc10.dylib", "c10.dll" })
        {
            if (NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out var library)
                && NativeLibrary.TryGetExport(library, ZeroFillFlag, out var flag))
            {
                return flag;
            }
        }

        return 0;
    }

    private sealed class Scope(nint flag, byte before) : IDisposable
    {
        public void Dispose()
        {
            if (flag != 0)
            {
                Marshal.WriteByte(flag, before);
            }
        }
    }
}
