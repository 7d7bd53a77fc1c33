using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Evaluation;

/// <summary>
/// Grayscale baseline JPEG through ImageSharp, and the part of a file that is the picture itself: the entropy-coded
/// scan, without the markers, quantisation and Huffman tables every file repeats.
/// </summary>
internal static class JpegCodec
{
    private const byte MarkerPrefix = 0xFF;
    private const byte StartOfImage = 0xD8;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;

    public static byte[] Encode(ReadOnlySpan<byte> gray, int width, int height, int quality)
    {
        using var image = Image.LoadPixelData<L8>(gray, width, height);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = JpegColorType.Luminance });
        return stream.ToArray();
    }

    /// <summary>Decodes into <paramref name="gray"/>, which must hold width x height bytes.</summary>
    public static void Decode(byte[] jpeg, Span<byte> gray)
    {
        using var image = Image.Load<L8>(jpeg, new JpegDecoder { IgnoreMetadata = true });
        if (image.Width * image.Height != gray.Length)
        {
            throw new InvalidDataException($"the JPEG decoded to {image.Width}x{image.Height} pixels, not {gray.Length}");
        }

        image.CopyPixelDataTo(gray);
    }

    /// <summary>
    /// Where the entropy-coded data lies: from the end of the SOS segment's header to the EOI marker. Only
    /// single-scan (baseline) files are accepted; a second scan or any other marker before EOI is an error.
    /// </summary>
    public static Range EntropyCodedData(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != MarkerPrefix || jpeg[1] != StartOfImage)
        {
            throw new InvalidDataException("not a JPEG: it does not start with the SOI marker");
        }

        var start = ScanStart(jpeg);
        for (var i = start; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] != MarkerPrefix)
            {
                continue;
            }

            var next = jpeg[i + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
            {
                i++; // a stuffed 0xFF data byte, or a restart marker: both belong to the scan
            }
            else if (next == EndOfImage)
            {
                return start..i;
            }
            else if (next != MarkerPrefix)
            {
                throw new InvalidDataException($"marker 0xFF{next:X2} at byte {i} before EOI: only single-scan (baseline) JPEG is supported");
            }
        }

        throw new InvalidDataException("the JPEG ends without an EOI marker");
    }

    private static int ScanStart(ReadOnlySpan<byte> jpeg)
    {
        var position = 2;
        while (position + 4 <= jpeg.Length)
        {
            if (jpeg[position] != MarkerPrefix)
            {
                throw new InvalidDataException($"expected a marker at byte {position}");
            }

            var marker = jpeg[position + 1];
            if (marker == MarkerPrefix)
            {
                position++; // fill byte
                continue;
            }

            var segmentEnd = position + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg[(position + 2)..]);
            if (marker == StartOfScan)
            {
                return segmentEnd <= jpeg.Length ? segmentEnd : throw new InvalidDataException("the SOS header runs past the end of the file");
            }

            position = segmentEnd;
        }

        throw new InvalidDataException("the JPEG has no SOS marker");
    }
}
