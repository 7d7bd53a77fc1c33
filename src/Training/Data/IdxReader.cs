using System.Buffers.Binary;
using System.IO.Compression;

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
/// Reads the IDX files MNIST and Fashion-MNIST ship in, gzip-compressed or raw. Counts and sizes come
/// from the header; any disagreement between header and content is a <see cref="DataFileException"/>.
/// </summary>
internal static class IdxReader
{
    private const int ImagesMagic = 0x00000803; // unsigned bytes, 3 dimensions
    private const int LabelsMagic = 0x00000801; // unsigned bytes, 1 dimension

    public static IdxImages ReadImages(string path)
    {
        var bytes = ReadAll(path);
        var header = Header(path, bytes, ImagesMagic, dimensions: 3);
        var (count, rows, columns) = (header[0], header[1], header[2]);
        if (rows <= 0 || columns <= 0)
        {
            throw new DataFileException(path, $"image size {rows}x{columns} is not positive");
        }

        var expected = (long)count * rows * columns;
        var body = Body(path, bytes, headerLength: 16, expected);
        return new IdxImages(count, rows, columns, body);
    }

    public static byte[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        var count = Header(path, bytes, LabelsMagic, dimensions: 1)[0];
        return Body(path, bytes, headerLength: 8, count);
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }

        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
        {
            return raw;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException(path, $"corrupt gzip data ({e.Message})");
        }
        catch (EndOfStreamException)
        {
            throw new DataFileException(path, "truncated gzip data");
        }
    }

    private static int[] Header(string path, byte[] bytes, int magic, int dimensions)
    {
        var length = 4 + (4 * dimensions);
        if (bytes.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(bytes) is var found && found != magic)
        {
            throw new DataFileException(path, $"wrong magic number 0x{found:x8} (expected 0x{magic:x8})");
        }

        if (bytes.Length < length)
        {
            throw new DataFileException(path, $"truncated: {bytes.Length} bytes is shorter than the {length}-byte IDX header");
        }

        var sizes = new int[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            sizes[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (sizes[i] < 0)
            {
                throw new DataFileException(path, $"negative size {sizes[i]} in the header");
            }
        }

        return sizes;
    }

    private static byte[] Body(string path, byte[] bytes, int headerLength, long expected)
    {
        var available = bytes.Length - headerLength;
        if (available < expected)
        {
            throw new DataFileException(path, $"truncated: the header promises {expected} data bytes, the file has {available}");
        }

        if (available > expected)
        {
            throw new DataFileException(path, $"{available - expected} unexpected bytes after the {expected} the header promises");
        }

        return bytes[headerLength..];
    }
}
