using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests.Images;

/// <summary>Builds the images the tests upload: encoded with ImageSharp's own encoders or written chunk by chunk.</summary>
internal static class TestImages
{
    /// <summary>The smallest well-formed ICC profile: a 132-byte header-plus-empty-tag-table, enough to be stored and recognised.</summary>
    public static byte[] MinimalIccProfile()
    {
        var profile = new byte[132];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(profile, profile.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(profile.AsSpan(8), 0x04300000); // version 4.3
        "mntr"u8.CopyTo(profile.AsSpan(12));
        "GRAY"u8.CopyTo(profile.AsSpan(16));
        "XYZ "u8.CopyTo(profile.AsSpan(20));
        "acsp"u8.CopyTo(profile.AsSpan(36));
        return profile;
    }

    public static Image<Rgba32> Rgba(int width, int height, Func<int, int, Rgba32> pixelAt)
    {
        var image = new Image<Rgba32>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = pixelAt(x, y);
            }
        }

        return image;
    }

    public static byte[] Encode<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>An 8-bit grayscale PNG of <paramref name="gray"/>, the way a client would send an MNIST digit.</summary>
    public static byte[] GrayPng(byte[] gray, int width, int height)
    {
        using var image = Image.LoadPixelData<L8>(gray, width, height);
        return Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
    }

    /// <summary>The gray values of every pixel, row-major, read back without any of our code.</summary>
    public static byte[] GrayValues(byte[] png)
    {
        using var image = Image.Load<L8>(png);
        var values = new byte[image.Width * image.Height];
        image.CopyPixelDataTo(values);
        return values;
    }
}

/// <summary>Writes PNG files by hand, so a test can declare whatever its header says.</summary>
internal static class PngChunks
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>An IHDR for an 8-bit grayscale, non-interlaced image of the given size.</summary>
    public static byte[] GrayscaleHeader(int width, int height)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(data, width);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), height);
        data[8] = 8; // bit depth
        data[9] = 0; // colour type: grayscale
        return Chunk("IHDR", data);
    }

    /// <summary>Length, type, data and the CRC-32 of type and data, as the PNG specification lays a chunk out.</summary>
    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4, 4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] File(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(chunk => chunk)];

    /// <summary>Where the chunk of <paramref name="type"/> starts in a PNG file (its length field).</summary>
    public static int OffsetOf(byte[] png, string type)
    {
        var offset = Signature.Length;
        while (offset + 8 <= png.Length)
        {
            if (Encoding.ASCII.GetString(png, offset + 4, 4) == type)
            {
                return offset;
            }

            offset += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        }

        throw new InvalidOperationException($"The PNG has no {type} chunk.");
    }
}

/// <summary>Real MNIST test digits (see <see cref="TestData"/>).</summary>
internal static class MnistTestDigits
{
    public const int Side = 28;

    /// <summary>The first <paramref name="count"/> test digits, each 28x28 gray bytes, row-major, white ink on black.</summary>
    public static IReadOnlyList<byte[]> First(int count) => [.. Enumerable.Range(0, count).Select(TestData.TestDigit)];
}
