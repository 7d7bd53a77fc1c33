using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// Encodes model outputs (C x H x W floats in [0, 1], 1 = full) as 8-bit PNGs: gray for a one-channel model, RGB for a
/// colour one (whatever order its planes are in). Each value becomes <c>round(clamp(v, 0, 1) * 255)</c>; NaN becomes black.
/// </summary>
public static class PngImages
{
    /// <summary>One gray <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static byte[] Encode(ReadOnlySpan<float> pixels, int width, int height) => Encode(pixels, Gray(width, height));

    /// <summary>One image of <paramref name="shape"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<float> pixels, ImageShape shape)
    {
        RequireFrameLength(pixels.Length, shape, nameof(pixels));
        var samples = new byte[pixels.Length];
        if (!shape.IsColour)
        {
            // Gray rows are the planes' own order: one pass over the whole image.
            PixelValues.ToBytes(pixels, samples);
        }
        else
        {
            var rowSamples = shape.Width * shape.Channels;
            for (var y = 0; y < shape.Height; y++)
            {
                ImageLayout.RowToBytes(pixels, shape, y, samples.AsSpan(y * rowSamples, rowSamples));
            }
        }

        return PngWriter.Write(samples, shape.Width, shape.Height, shape.Channels);
    }

    /// <summary>Gray frames side by side, as <see cref="EncodeStrip(IReadOnlyList{float[]}, ImageShape)"/>.</summary>
    public static byte[] EncodeStrip(IReadOnlyList<float[]> frames, int width, int height) => EncodeStrip(frames, Gray(width, height));

    /// <summary>
    /// The frames side by side, left to right with no gap, as one
    /// <c>(width * frames.Count)</c> x <c>height</c> image: e.g. an interpolation between two images.
    /// </summary>
    public static byte[] EncodeStrip(IReadOnlyList<float[]> frames, ImageShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frames.Count);
        foreach (var frame in frames)
        {
            RequireFrameLength(frame.Length, shape, nameof(frames));
        }

        var cell = shape.Width * shape.Channels;
        var stripSamples = checked(cell * frames.Count);
        var samples = new byte[checked(stripSamples * shape.Height)];
        for (var frameIndex = 0; frameIndex < frames.Count; frameIndex++)
        {
            for (var y = 0; y < shape.Height; y++)
            {
                ImageLayout.RowToBytes(frames[frameIndex], shape, y, samples.AsSpan((y * stripSamples) + (frameIndex * cell), cell));
            }
        }

        return PngWriter.Write(samples, checked(shape.Width * frames.Count), shape.Height, shape.Channels);
    }

    /// <summary>
    /// The grid <see cref="ImageTensors.GridColumns"/> frames wide, left to right, top to bottom, with no gap; empty
    /// cells of the last row stay black. Written to <paramref name="output"/> as the frames arrive, in pieces of any
    /// whole number of frames: one band of the grid (a row of <paramref name="columns"/> frames) is all it holds.
    /// </summary>
    public static async Task WriteGridAsync(
        Stream output, IAsyncEnumerable<float[]> pieces, int count, ImageShape shape, int columns, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        var (height, frameLength) = (shape.Height, shape.PixelCount);
        var rows = (count + columns - 1) / columns;
        var cell = shape.Width * shape.Channels;
        var bandSamples = checked(cell * columns);
        var band = new byte[checked(bandSamples * height)];
        await using var png = PngWriter.Start(output, checked(shape.Width * columns), checked(height * rows), shape.Channels);
        var column = 0;
        var frames = 0;
        await foreach (var piece in pieces.WithCancellation(cancellationToken))
        {
            if (piece.Length % frameLength != 0)
            {
                throw new ArgumentException($"A piece of {piece.Length} values is not whole frames of {frameLength}.", nameof(pieces));
            }

            for (var start = 0; start < piece.Length; start += frameLength, frames++)
            {
                for (var y = 0; y < height; y++)
                {
                    ImageLayout.RowToBytes(piece.AsSpan(start, frameLength), shape, y, band.AsSpan((y * bandSamples) + (column * cell), cell));
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
                band.AsSpan((y * bandSamples) + (column * cell), (columns - column) * cell).Clear();
            }

            await png.WriteAsync(band, cancellationToken);
        }

        await png.CompleteAsync(cancellationToken);
    }

    private static ImageShape Gray(int width, int height) => new(1, height, width);

    private static void RequireFrameLength(int length, ImageShape shape, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Height);
        if (length != (long)shape.PixelCount)
        {
            throw new ArgumentException($"A {shape.Width}x{shape.Height} image of {shape.Channels} channel(s) has {(long)shape.PixelCount} values, not {length}.", parameterName);
        }
    }
}
