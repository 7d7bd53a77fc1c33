using System.Buffers.Binary;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Tests.Evaluation;

public sealed class JpegCodecTests
{
    private static readonly Lazy<ImageStack> Digits = new(() => IdxReader.ReadImages(MnistFiles.Locate(TestData.Mnist, MnistFiles.TestImages)).Take(50));

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(95)]
    public void EntropyCodedDataStartsRightAfterTheScanHeaderAndEndsAtEndOfImage(int quality)
    {
        var digit = Digits.Value;
        var jpeg = JpegCodec.Encode(digit.Image(0), digit.Columns, digit.Rows, quality);

        var (start, length) = JpegCodec.EntropyCodedData(jpeg).GetOffsetAndLength(jpeg.Length);

        // The one SOS segment, found by walking the headers independently: its declared length ends where the data starts.
        var sos = IndexOfMarker(jpeg, 0xDA);
        Assert.Equal(sos + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(sos + 2)), start);
        Assert.Equal([0xFF, 0xD9], jpeg[(start + length)..]);
        Assert.True(length > 0);

        // Inside the scan 0xFF only appears stuffed (0xFF00) or as a restart marker.
        for (var i = start; i < start + length; i++)
        {
            if (jpeg[i] == 0xFF)
            {
                Assert.True(jpeg[i + 1] == 0x00 || jpeg[i + 1] is >= 0xD0 and <= 0xD7, $"marker 0xFF{jpeg[i + 1]:X2} inside the scan at {i}");
                i++;
            }
        }
    }

    [Fact]
    public void EncodedDigitsDecodeCloseToTheOriginalAtHighQuality()
    {
        var digit = Digits.Value;
        var decoded = new byte[digit.PixelsPerImage];

        JpegCodec.Decode(JpegCodec.Encode(digit.Image(3), digit.Columns, digit.Rows, 95), decoded);

        var original = digit.Image(3);
        var largest = 0;
        for (var i = 0; i < decoded.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(decoded[i] - original[i]));
        }

        Assert.InRange(largest, 0, 40);
    }

    [Fact]
    public void GrayscaleDigitsMatchTheKnownEntropyCodedSizesAtQuality3And15()
    {
        // Known figures over all t10k digits: 41 B at quality 3 and 87 B at quality 15; these 50 digits land near them.
        var digits = Digits.Value;
        double Average(int quality) => Enumerable.Range(0, digits.Count)
            .Select(i => JpegCodec.Encode(digits.Image(i), digits.Columns, digits.Rows, quality))
            .Average(jpeg => JpegCodec.EntropyCodedData(jpeg).GetOffsetAndLength(jpeg.Length).Length);

        Assert.InRange(Average(3), 33, 50);
        Assert.InRange(Average(15), 72, 102);
    }

    [Fact]
    public void ColourImagesRoundTripAsRedGreenAndBluePlanesWithOneScan()
    {
        // 16x16: a red left half and a blue right half, planes red, green, blue.
        const int side = 16;
        var planes = new byte[3 * side * side];
        for (var i = 0; i < side * side; i++)
        {
            planes[(i % side < side / 2 ? 0 : 2 * side * side) + i] = 255;
        }

        var jpeg = JpegCodec.Encode(planes, 3, side, side, 95);
        var decoded = new byte[planes.Length];
        JpegCodec.Decode(jpeg, 3, decoded);

        Assert.True(JpegCodec.EntropyCodedData(jpeg).GetOffsetAndLength(jpeg.Length).Length > 0);
        Assert.InRange(Enumerable.Range(0, planes.Length).Max(i => Math.Abs(decoded[i] - planes[i])), 0, 60);
        Assert.True(decoded[0] > 200 && decoded[(2 * side * side) + 0] < 60, "red stays red on the left");
        Assert.True(decoded[side - 1] < 60 && decoded[(2 * side * side) + side - 1] > 200, "blue stays blue on the right");
    }

    [Fact]
    public void AJpegWithoutEndOfImageIsRejected()
    {
        var digit = Digits.Value;
        var jpeg = JpegCodec.Encode(digit.Image(0), digit.Columns, digit.Rows, 50);

        var truncated = jpeg.AsSpan(..^2).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => JpegCodec.EntropyCodedData(truncated));
        Assert.Contains("EOI", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => JpegCodec.EntropyCodedData([0x89, 0x50, 0x4E, 0x47]));
    }

    private static int IndexOfMarker(byte[] jpeg, byte marker)
    {
        var position = 2;
        while (jpeg[position + 1] != marker)
        {
            position += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(position + 2));
        }

        return position;
    }
}
