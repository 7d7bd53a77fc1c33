using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Autoencoder.Api.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace Autoencoder.Api.Tests.Images;

public sealed class GrayPngWriterTests
{
    public static TheoryData<int, int> Sizes => new() { { 1, 1 }, { 1, 9 }, { 9, 1 }, { 28, 28 }, { 300, 7 }, { 5, 257 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RandomPixelsOfAnySizeDecodeExactly(int width, int height)
    {
        var gray = new byte[width * height];
        new Random(width * 1000 + height).NextBytes(gray);

        var png = GrayPngWriter.Write(gray, width, height);

        var header = Image.Identify(png);
        Assert.Equal((width, height), (header.Width, header.Height));
        Assert.Equal(PngColorType.Grayscale, header.Metadata.GetPngMetadata().ColorType);
        Assert.Equal(gray, TestImages.GrayValues(png));
    }

    [Fact]
    public void EveryChunkHasItsLengthAndChecksum()
    {
        var png = GrayPngWriter.Write(Digits(), 28, 28);

        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(chunk => chunk.Type));
        Assert.All(chunks, chunk => Assert.True(chunk.ChecksumMatches, $"{chunk.Type} checksum"));
        Assert.Equal(png.Length, 8 + chunks.Sum(chunk => 12 + chunk.Data.Length));
    }

    /// <summary>
    /// A row gets the filter that predicts it best: a ramp is Sub, a copy of the row above is Up, the mean of left and
    /// above is Average, a gradient along both axes is Paeth (which also predicts its first pixel from above).
    /// </summary>
    [Theory]
    [InlineData("ramp", 1)]
    [InlineData("copy", 2)]
    [InlineData("mean", 3)]
    [InlineData("gradient", 4)]
    public void ARowGetsTheFilterThatPredictsItBest(string pattern, int expectedFilter)
    {
        const int width = 16;
        var noise = new byte[width];
        new Random(7).NextBytes(noise);
        byte[][] rows = pattern switch
        {
            "ramp" => [Row(x => (x * 13) + 1)],
            "copy" => [noise, noise],
            "mean" => [noise, MeanOfLeftAndAbove(noise)],
            _ => [.. Enumerable.Range(0, 4).Select(y => Row(x => (x * 5) + (y * 40) + 3))],
        };
        var gray = rows.SelectMany(row => row).ToArray();

        var png = GrayPngWriter.Write(gray, width, rows.Length);

        Assert.Equal(gray, TestImages.GrayValues(png));
        Assert.Equal(expectedFilter, RowFilters(png, width, rows.Length)[^1]);

        static byte[] Row(Func<int, int> value) => [.. Enumerable.Range(0, width).Select(x => (byte)value(x))];

        static byte[] MeanOfLeftAndAbove(byte[] above)
        {
            var row = new byte[above.Length];
            for (var x = 0; x < row.Length; x++)
            {
                row[x] = (byte)(((x > 0 ? row[x - 1] : 0) + above[x]) / 2);
            }

            return row;
        }
    }

    [Fact]
    public void PixelsThatDoNotMatchTheSizeAreRefused()
    {
        Assert.Throws<ArgumentException>(() => GrayPngWriter.Write(new byte[10], 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrayPngWriter.Write([], 0, 3));
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

    /// <summary>The filter type byte that starts each inflated scanline.</summary>
    private static byte[] RowFilters(byte[] png, int width, int height)
    {
        var data = Chunks(png).Single(chunk => chunk.Type == "IDAT").Data;
        using var inflating = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var scanlines = new MemoryStream();
        inflating.CopyTo(scanlines);
        Assert.Equal((width + 1) * height, scanlines.Length);
        return [.. Enumerable.Range(0, height).Select(y => scanlines.GetBuffer()[y * (width + 1)])];
    }
}
