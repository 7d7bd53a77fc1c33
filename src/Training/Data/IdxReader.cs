using Autoencoder.Core;

namespace Autoencoder.Training.Data;

/// <summary>A stack of equally sized 8-bit grayscale images, row-major, one after another.</summary>
internal sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    public int PixelsPerImage => Rows * Columns;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public IdxImages Take(int count) =>
        count >= Count ? this : new IdxImages(count, Rows, Columns, Pixels[..(count * PixelsPerImage)]);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public IdxImages Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * PixelsPerImage];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * PixelsPerImage));
        }

        return new IdxImages(indices.Count, Rows, Columns, pixels);
    }
}

/// <summary>
/// Reads the IDX files MNIST and Fashion-MNIST ship in, gzip-compressed or raw, with the format's one reader
/// (<see cref="Idx"/>). Counts and sizes come from the header; any disagreement between header and content is a
/// <see cref="DataFileException"/> naming the file.
/// </summary>
internal static class IdxReader
{
    public static IdxImages ReadImages(string path)
    {
        var (header, pixels) = Read(path, Idx.ReadImages);
        return new IdxImages(header.Count, header.Rows, header.Columns, pixels);
    }

    public static byte[] ReadLabels(string path) => Read(path, Idx.ReadLabels);

    private static T Read<T>(string path, Func<byte[], T> read)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }

        try
        {
            return read(Idx.Decompress(File.ReadAllBytes(path)));
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException(path, e.Message);
        }
    }
}
