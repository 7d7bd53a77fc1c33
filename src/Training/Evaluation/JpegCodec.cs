using System.Buffers.Binary;
using Autoencoder.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Evaluation;

/// <summary>
/// Baseline JPEG through ImageSharp, grayscale or colour (YCbCr with 4:2:0 chroma subsampling, as most encoders write
/// it), and the part of a file that is the picture itself: the entropy-coded scan, without the markers, quantisation
/// and Huffman tables every file repeats.
/// </summary>
internal static class JpegCodec
{
    /// <summary>How colour is stored: YCbCr, the two chroma planes at half the resolution in both directions.</summary>
    public const JpegColorType ColourType = JpegColorType.YCbCrRatio420;

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

    /// <summary>An image of <paramref name="channels"/> planes (1 gray, 3 red, green and blue), width x height bytes each.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> planes, int channels, int width, int height, int quality) =>
        channels == 1 ? Encode(planes, width, height, quality) : EncodeColour(planes, width, height, quality);

    /// <summary>Decodes into <paramref name="planes"/>, <paramref name="channels"/> planes of the image's size.</summary>
    public static void Decode(byte[] jpeg, int channels, Span<byte> planes)
    {
        if (channels == 1)
        {
            Decode(jpeg, planes);
            return;
        }

        using var image = Image.Load<Rgb24>(jpeg, new JpegDecoder { IgnoreMetadata = true });
        var plane = image.Width * image.Height;
        if (3 * plane != planes.Length)
        {
            throw new InvalidDataException($"the JPEG decoded to 3x{image.Height}x{image.Width} values, not {planes.Length}");
        }

        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var pixel = image[x, y];
                var at = (y * image.Width) + x;
                (planes[at], planes[plane + at], planes[(2 * plane) + at]) = (pixel.R, pixel.G, pixel.B);
            }
        }
    }

    private static byte[] EncodeColour(ReadOnlySpan<byte> planes, int width, int height, int quality)
    {
        using var image = RgbPlanes.ToImage(planes, width, height);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = ColourType });
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
