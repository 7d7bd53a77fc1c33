namespace Autoencoder.Core;

/// <summary>
/// The one conversion between 8-bit gray (0..255) and the models' [0,1] pixels, both ways, and the one
/// reconstruction error and its PSNR: every reader, writer, report and benchmark goes through here, so they agree to the bit.
/// </summary>
public static class PixelValues
{
    // byte / 255f for every byte, looked up: the very values of the division, without a division per pixel.
    private static readonly float[] UnitByByte = [.. Enumerable.Range(0, 256).Select(value => value / 255f)];

    /// <summary>A byte as a model's pixel: <c>value / 255</c>.</summary>
    public static float ToUnit(byte value) => UnitByByte[value];

    /// <summary>Bytes as model pixels, each <c>byte / 255</c>, into the start of <paramref name="unit"/>.</summary>
    public static void ToUnit(ReadOnlySpan<byte> bytes, Span<float> unit)
    {
        RequireRoom(bytes.Length, unit.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            unit[i] = UnitByByte[bytes[i]];
        }
    }

    public static float[] ToUnit(ReadOnlySpan<byte> bytes)
    {
        var unit = new float[bytes.Length];
        ToUnit(bytes, unit);
        return unit;
    }

    /// <summary>
    /// A model's pixel as a byte: <c>round(clamp(v, 0, 1) * 255)</c>, NaN as black. Halves round away from zero,
    /// which on [0, 255] is "half up", the usual rule for 8-bit quantisation and the one the service's PNGs have
    /// always used, so every image it has sent stays byte-for-byte the same.
    /// </summary>
    public static byte ToByte(float value)
    {
        var clamped = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        return (byte)MathF.Round(clamped * byte.MaxValue, MidpointRounding.AwayFromZero);
    }

    /// <summary>Model pixels as bytes by <see cref="ToByte(float)"/>, into the start of <paramref name="bytes"/>.</summary>
    public static void ToBytes(ReadOnlySpan<float> unit, Span<byte> bytes)
    {
        RequireRoom(unit.Length, bytes.Length);
        for (var i = 0; i < unit.Length; i++)
        {
            bytes[i] = ToByte(unit[i]);
        }
    }

    public static byte[] ToBytes(ReadOnlySpan<float> unit)
    {
        var bytes = new byte[unit.Length];
        ToBytes(unit, bytes);
        return bytes;
    }

    /// <summary>Mean squared error per pixel between two equally long images of [0,1] pixels, summed in double.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        RequireSameLength(first.Length, second.Length);
        double sum = 0;
        for (var i = 0; i < first.Length; i++)
        {
            var difference = (double)second[i] - first[i];
            sum += difference * difference;
        }

        return sum / first.Length;
    }

    /// <summary>
    /// Peak signal-to-noise ratio in dB of <paramref name="other"/> against <paramref name="clean"/>, both [0,1] pixels:
    /// <c>10 log10(1 / MSE)</c>, infinite for identical images.
    /// </summary>
    public static double PeakSignalToNoiseRatio(ReadOnlySpan<float> clean, ReadOnlySpan<float> other) =>
        10 * Math.Log10(1 / MeanSquaredError(clean, other));

    /// <summary>Mean squared error per pixel, in [0,1] units, between two equally long 8-bit images.</summary>
    public static double MeanSquaredError(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        RequireSameLength(first.Length, second.Length);
        double sum = 0;
        for (var i = 0; i < first.Length; i++)
        {
            var difference = (second[i] - first[i]) / 255.0;
            sum += difference * difference;
        }

        return sum / first.Length;
    }

    private static void RequireRoom(int source, int destination)
    {
        if (destination < source)
        {
            throw new ArgumentException($"{source} pixels do not fit in {destination}");
        }
    }

    private static void RequireSameLength(int first, int second)
    {
        if (first != second)
        {
            throw new ArgumentException($"{first} pixels against {second}: the two must be equally long");
        }
    }
}
