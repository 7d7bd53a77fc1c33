using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// Encodes model outputs (floats in [0, 1], row-major, 1 = white) as 8-bit grayscale PNGs.
/// Each value becomes <c>round(clamp(v, 0, 1) * 255)</c>; NaN becomes black.
/// </summary>
public static class PngImages
{
    /// <summary>One <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static byte[] Encode(ReadOnlySpan<float> pixels, int width, int height)
    {
        RequireFrameLength(pixels.Length, width, height, nameof(pixels));
        var gray = new byte[pixels.Length];
        PixelValues.ToBytes(pixels, gray);
        return GrayPngWriter.Write(gray, width, height);
    }

    /// <summary>
    /// The frames side by side, left to right with no gap, as one
    /// <c>(width * frames.Count)</c> x <paramref name="height"/> image: e.g. an interpolation between two digits.
    /// </summary>
    public static byte[] EncodeStrip(IReadOnlyList<float[]> frames, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frames.Count);
        foreach (var frame in frames)
        {
            RequireFrameLength(frame.Length, width, height, nameof(frames));
        }

        var stripWidth = checked(width * frames.Count);
        var gray = new byte[checked(stripWidth * height)];
        for (var frameIndex = 0; frameIndex < frames.Count; frameIndex++)
        {
            for (var y = 0; y < height; y++)
            {
                PixelValues.ToBytes(
                    frames[frameIndex].AsSpan(y * width, width),
                    gray.AsSpan((y * stripWidth) + (frameIndex * width), width));
            }
        }

        return GrayPngWriter.Write(gray, stripWidth, height);
    }

    /// <summary>
    /// The frames in a grid of <paramref name="columns"/> columns, left to right, top to bottom, with no gap; empty
    /// cells of the last row stay black. For a bulk decode's overview.
    /// </summary>
    public static byte[] EncodeGrid(ReadOnlySpan<float> frames, int count, int width, int height, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        RequireFrameLength(frames.Length, width * count, height, nameof(frames));
        var rows = (count + columns - 1) / columns;
        var gridWidth = checked(width * columns);
        var gray = new byte[checked(gridWidth * height * rows)];
        for (var frame = 0; frame < count; frame++)
        {
            var (row, column) = Math.DivRem(frame, columns);
            for (var y = 0; y < height; y++)
            {
                PixelValues.ToBytes(
                    frames.Slice((frame * width * height) + (y * width), width),
                    gray.AsSpan((((row * height) + y) * gridWidth) + (column * width), width));
            }
        }

        return GrayPngWriter.Write(gray, gridWidth, height * rows);
    }

    /// <summary>
    /// The grid <see cref="EncodeGrid"/> makes of the same <paramref name="count"/> frames, written to
    /// <paramref name="output"/> as the frames arrive, in pieces of any size: one band of the grid (a row of
    /// <paramref name="columns"/> frames) is all it holds.
    /// </summary>
    public static async Task WriteGridAsync(
        Stream output, IAsyncEnumerable<float[]> pieces, int count, int width, int height, int columns, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        var rows = (count + columns - 1) / columns;
        var gridWidth = checked(width * columns);
        var band = new byte[checked(gridWidth * height)];
        await using var png = GrayPngWriter.Start(output, gridWidth, checked(height * rows));
        var column = 0;
        var frames = 0;
        await foreach (var piece in pieces.WithCancellation(cancellationToken))
        {
            if (piece.Length % (width * height) != 0)
            {
                throw new ArgumentException($"A piece of {piece.Length} values is not whole {width}x{height} frames.", nameof(pieces));
            }

            for (var start = 0; start < piece.Length; start += width * height, frames++)
            {
                for (var y = 0; y < height; y++)
                {
                    PixelValues.ToBytes(piece.AsSpan(start + (y * width), width), band.AsSpan((y * gridWidth) + (column * width), width));
                }

                if (++column == columns)
                {
                    await png.WriteAsync(band, cancellationToken);
                    column = 0;
                }
            }
        }

        if (frames != count)
        {
            throw new InvalidOperationException($"The grid was to hold {count} frames, not {frames}.");
        }

        if (column > 0)
        {
            // The last row's empty cells are black, not what the band held before.
            for (var y = 0; y < height; y++)
            {
                band.AsSpan((y * gridWidth) + (column * width), (columns - column) * width).Clear();
            }

            await png.WriteAsync(band, cancellationToken);
        }

        await png.CompleteAsync(cancellationToken);
    }

    private static void RequireFrameLength(int length, int width, int height, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (length != (long)width * height)
        {
            throw new ArgumentException($"A {width}x{height} image has {(long)width * height} pixels, not {length}.", parameterName);
        }
    }
}
