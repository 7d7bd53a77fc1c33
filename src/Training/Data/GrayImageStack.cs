namespace Autoencoder.Training.Data;

/// <summary>A stack of equally sized 8-bit grayscale images, row-major, one after another.</summary>
internal sealed record GrayImageStack(int Count, int Rows, int Columns, byte[] Pixels)
{
    public int PixelsPerImage => Rows * Columns;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public GrayImageStack Take(int count) =>
        count >= Count ? this : new GrayImageStack(count, Rows, Columns, Pixels[..(count * PixelsPerImage)]);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public GrayImageStack Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * PixelsPerImage];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * PixelsPerImage));
        }

        return new GrayImageStack(indices.Count, Rows, Columns, pixels);
    }
}
