using Autoencoder.Api.Errors;
using System.Buffers.Binary;
using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// IDX image files (the format MNIST ships in: big-endian magic 0x00000803, count, rows, columns, then one
/// unsigned byte per pixel) as model inputs and model outputs.
/// </summary>
public static class IdxImages
{
    public const string MediaType = "application/x-idx";
    private const int Magic = 0x00000803;
    private const int HeaderLength = 16;

    // byte / 255f for every byte: the very values a single-image upload gets, without a division per pixel.
    private static readonly float[] UnitScale = [.. Enumerable.Range(0, 256).Select(value => value / 255f)];

    public const int HeaderBytes = HeaderLength;

    /// <summary>
    /// Checks an IDX header: images of the model's size, 1 to <paramref name="maxImages"/> of them. Returns the count;
    /// the pixel bytes follow, count x H x W of them.
    /// </summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, ImageShape shape, int maxImages)
    {
        if (header.Length < HeaderLength)
        {
            throw new ImageRejectedException(InputFault.Invalid, $"The IDX file is {header.Length} bytes, shorter than its 16-byte header.");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != Magic)
        {
            throw new ImageRejectedException(
                InputFault.Invalid,
                $"Not an IDX image file: magic number 0x{magic:x8}, expected 0x{Magic:x8} (unsigned bytes, 3 dimensions).");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        var columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (rows != shape.Height || columns != shape.Width || shape.Channels != 1)
        {
            throw new ImageRejectedException(
                InputFault.Invalid,
                $"The IDX file holds {rows}x{columns} images; this model takes {shape.Height}x{shape.Width} grayscale images.");
        }

        if (count <= 0 || count > maxImages)
        {
            throw new ImageRejectedException(
                count <= 0 ? InputFault.Invalid : InputFault.TooLarge,
                $"The IDX file declares {count} images; a request may hold 1 to {maxImages}.");
        }

        return count;
    }

    /// <summary>Refuses a file whose length is not what its header declares.</summary>
    public static void RequireLength(long actual, int count, ImageShape shape)
    {
        var expected = HeaderLength + ((long)count * shape.PixelCount);
        if (actual != expected)
        {
            throw new ImageRejectedException(
                InputFault.Invalid,
                $"The IDX header declares {count} images ({expected - HeaderLength} pixel bytes), but the file has {actual - HeaderLength}: it is truncated or has trailing bytes.");
        }
    }

    /// <summary>Pixel bytes as model inputs, each byte / 255 exactly as a 28x28 PNG's pixel would be.</summary>
    public static void ToModelInput(ReadOnlySpan<byte> pixels, Span<float> input)
    {
        for (var i = 0; i < pixels.Length; i++)
        {
            input[i] = UnitScale[pixels[i]];
        }
    }

    /// <summary>[count, C, H, W] model outputs in [0,1] as an IDX file of 8-bit images.</summary>
    public static byte[] FromModelOutput(ReadOnlySpan<float> images, int count, ImageShape shape)
    {
        var file = new byte[HeaderLength + ((long)count * shape.PixelCount)];
        BinaryPrimitives.WriteInt32BigEndian(file, Magic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), shape.Height);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), shape.Width);
        PngImages.Quantise(images, file.AsSpan(HeaderLength));
        return file;
    }
}
