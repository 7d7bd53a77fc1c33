using Autoencoder.Core;

namespace Autoencoder.Training.Data;

/// <summary>
/// A stack of equally sized 8-bit images, one after another, each channel-major as the models take them: one plane of
/// <see cref="Rows"/> x <see cref="Columns"/> bytes (row-major) per channel, red, green, blue for colour.
/// </summary>
internal sealed record ImageStack(int Count, int Channels, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>Bytes of one image: every channel's plane.</summary>
    public int PixelsPerImage => Channels * Rows * Columns;

    public ImageShape Shape => new(Channels, Rows, Columns);

    /// <summary>A stack of one-channel (gray) images.</summary>
    public static ImageStack Gray(int count, int rows, int columns, byte[] pixels) => new(count, 1, rows, columns, pixels);

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public ImageStack Take(int count) =>
        count >= Count ? this : this with { Count = count, Pixels = Pixels[..(count * PixelsPerImage)] };

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageStack Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * PixelsPerImage];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * PixelsPerImage));
        }

        return this with { Count = indices.Count, Pixels = pixels };
    }

    /// <summary>"1x28x28", "3x32x32": channels, height and width, as messages name a size.</summary>
    public string Describe() => $"{Channels}x{Rows}x{Columns}";
}
