using System.Buffers.Binary;
using System.IO.Compression;

namespace Autoencoder.Core;

/// <summary>
/// The IDX files MNIST and Fashion-MNIST ship in: a big-endian magic number (0x00000803 for 8-bit images in three
/// dimensions, 0x00000801 for 8-bit labels in one), each dimension as a big-endian int32, then one unsigned byte per
/// value. The one reader and writer of the format for the trainer, the API and the benchmarks. A file that breaks the
/// format is an <see cref="InvalidDataException"/> whose message says what is wrong with it.
/// </summary>
public static class Idx
{
    public const string MediaType = "application/x-idx";
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;
    public const int ImageHeaderLength = 16;
    public const int LabelHeaderLength = 8;

    /// <summary>What an image file's header declares: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/>.</summary>
    public readonly record struct ImageHeader(int Count, int Rows, int Columns)
    {
        public int PixelsPerImage => Rows * Columns;

        public long PixelBytes => (long)Count * Rows * Columns;
    }

    /// <summary>The header at the start of an image file (at least its first <see cref="ImageHeaderLength"/> bytes).</summary>
    public static ImageHeader ReadImageHeader(ReadOnlySpan<byte> file)
    {
        var sizes = ReadHeader(file, ImagesMagic, "image", dimensions: 3);
        if (sizes[1] <= 0 || sizes[2] <= 0)
        {
            throw new InvalidDataException($"image size {sizes[1]}x{sizes[2]} is not positive");
        }

        return new ImageHeader(sizes[0], sizes[1], sizes[2]);
    }

    /// <summary>How many labels a label file's header declares.</summary>
    public static int ReadLabelHeader(ReadOnlySpan<byte> file) => ReadHeader(file, LabelsMagic, "label", dimensions: 1)[0];

    /// <summary>Refuses data that is shorter or longer than the header declares.</summary>
    public static void RequireDataLength(long available, long expected)
    {
        if (available < expected)
        {
            throw new InvalidDataException($"truncated: the header promises {expected} data bytes, the file has {available}");
        }

        if (available > expected)
        {
            throw new InvalidDataException($"{available - expected} unexpected bytes after the {expected} the header promises");
        }
    }

    /// <summary>A whole image file (already decompressed): its header and its pixels, image after image, row-major.</summary>
    public static (ImageHeader Header, byte[] Pixels) ReadImages(byte[] file)
    {
        var header = ReadImageHeader(file);
        RequireDataLength(file.Length - ImageHeaderLength, header.PixelBytes);
        return (header, file[ImageHeaderLength..]);
    }

    /// <summary>A whole label file (already decompressed): one byte per label.</summary>
    public static byte[] ReadLabels(byte[] file)
    {
        var count = ReadLabelHeader(file);
        RequireDataLength(file.Length - LabelHeaderLength, count);
        return file[LabelHeaderLength..];
    }

    /// <summary>gzip's first two bytes; MNIST is distributed as .gz files and clients send either.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>The file as it is if it is not gzip, inflated if it is.</summary>
    public static byte[] Decompress(byte[] file)
    {
        if (!IsGzip(file))
        {
            return file;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"corrupt gzip data ({e.Message})", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("truncated gzip data", e);
        }
    }

    /// <summary>Writes the header of an image file holding <paramref name="count"/> images of <paramref name="rows"/> x <paramref name="columns"/>.</summary>
    public static void WriteImageHeader(Span<byte> destination, int count, int rows, int columns)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], columns);
    }

    private static int[] ReadHeader(ReadOnlySpan<byte> file, int magic, string kind, int dimensions)
    {
        var length = 4 + (4 * dimensions);
        if (file.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(file) is var found && found != magic)
        {
            throw new InvalidDataException(
                $"magic number 0x{found:x8}, where an IDX {kind} file has 0x{magic:x8} (unsigned bytes, {dimensions} dimension{(dimensions == 1 ? "" : "s")})");
        }

        if (file.Length < length)
        {
            throw new InvalidDataException($"truncated: {file.Length} bytes is shorter than the {length}-byte IDX header");
        }

        var sizes = new int[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            sizes[i] = BinaryPrimitives.ReadInt32BigEndian(file[(4 + (4 * i))..]);
            if (sizes[i] < 0)
            {
                throw new InvalidDataException($"negative size {sizes[i]} in the header");
            }
        }

        return sizes;
    }
}
