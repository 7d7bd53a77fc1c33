using System.Buffers.Binary;
using System.IO.Hashing;
using Autoencoder.Api.Images;
using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests.Images;

public sealed class PngWriterTests
{
    public static TheoryData<int, int> Sizes => new() { { 1, 1 }, { 1, 9 }, { 9, 1 }, { 28, 28 }, { 300, 7 }, { 5, 257 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RandomPixelsOfAnySizeDecodeExactly(int width, int height)
    {
        var gray = new byte[width * height];
        new Random(width * 1000 + height).NextBytes(gray);

        var png = PngWriter.Write(gray, width, height);

        var header = Image.Identify(png);
        Assert.Equal((width, height), (header.Width, header.Height));
        Assert.Equal(PngColorType.Grayscale, header.Metadata.GetPngMetadata().ColorType);
        Assert.Equal(gray, TestImages.GrayValues(png));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RandomColoursOfAnySizeDecodeExactly(int width, int height)
    {
        var samples = new byte[width * height * 3];
        new Random(width * 1000 + height).NextBytes(samples);

        var png = PngWriter.Write(samples, width, height, channels: 3);

        var header = Image.Identify(png);
        Assert.Equal((width, height), (header.Width, header.Height));
        Assert.Equal(PngColorType.Rgb, header.Metadata.GetPngMetadata().ColorType);
        using var image = Image.Load<Rgb24>(png);
        var decoded = new byte[samples.Length];
        image.CopyPixelDataTo(decoded);
        Assert.Equal(samples, decoded);
    }

    [Fact]
    public void ColourPlanesBecomeRgbPixelsWhateverTheirOrder()
    {
        // One 2 x 1 image: the first pixel red, the second blue, as planes in RGB and in BGR order.
        float[] rgb = [1, 0, 0, 0, 0, 1];
        float[] bgr = [0, 1, 0, 0, 1, 0];

        using var fromRgb = Image.Load<Rgb24>(PngImages.Encode(rgb, new ImageShape(3, 1, 2)));
        using var fromBgr = Image.Load<Rgb24>(PngImages.Encode(bgr, new ImageShape(3, 1, 2) { ChannelOrder = ImageShape.Bgr }));

        foreach (var image in new[] { fromRgb, fromBgr })
        {
            Assert.Equal(new Rgb24(255, 0, 0), image[0, 0]);
            Assert.Equal(new Rgb24(0, 0, 255), image[1, 0]);
        }
    }

    [Fact]
    public void EveryChunkHasItsLengthAndChecksum()
    {
        var png = PngWriter.Write(Digits(), 28, 28);

        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(chunk => chunk.Type));
        Assert.All(chunks, chunk => Assert.True(chunk.ChecksumMatches, $"{chunk.Type} checksum"));
        Assert.Equal(png.Length, 8 + chunks.Sum(chunk => 12 + chunk.Data.Length));
    }

    [Fact]
    public void PixelsThatDoNotMatchTheSizeAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PngWriter.Write(new byte[10], 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Write([], 0, 3));
    }

    private static byte[] Digits() => [.. MnistTestDigits.First(1)[0]];

    private sealed record Chunk(string Type, byte[] Data, bool ChecksumMatches);

    private static List<Chunk> Chunks(byte[] png)
    {
        var chunks = new List<Chunk>();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var typeAndData = png.AsSpan(offset + 4, 4 + length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            chunks.Add(new Chunk(System.Text.Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray(), Crc32.HashToUInt32(typeAndData) == stored));
            offset += 12 + length;
        }

        return chunks;
    }
}
