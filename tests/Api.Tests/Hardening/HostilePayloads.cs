using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Autoencoder.Api.Tests.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// The bytes of hostile, broken and odd uploads: real encoders where a format is needed, PNG chunks written by hand
/// where a header must lie. Each is built once, when a test first asks for it.
/// </summary>
internal static class HostilePayloads
{
    /// <summary>Rows of a grayscale PNG start with a filter byte; zeros decode to black.</summary>
    private const int FilterByte = 1;

    private static readonly Lazy<byte[]> JpegDigit = new(() =>
    {
        using var digit = Image.Load<Rgba32>(Digits.UpscaledInvertedPng(0, 2));
        return TestImages.Encode(digit, new JpegEncoder { Quality = 90, ColorType = JpegColorType.Luminance });
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> CompressedTextBombs = new();

    private static readonly Lazy<byte[]> InflationBomb = new(() => PngDeclaring(1, 1, idatInflatesTo: 256L * 1024 * 1024));

    private static readonly Lazy<byte[]> LargestCanvas = new(() => PngDeclaring(4096, 4096, idatInflatesTo: 4096L * (4096 + FilterByte)));

    private static readonly Lazy<byte[]> GigapixelBomb = new(() => PngDeclaring(20_000, 20_000, idatInflatesTo: 20_000L * (20_000 + FilterByte)));

    public static byte[] Jpeg => JpegDigit.Value;

    public static byte[] Text => Encoding.UTF8.GetBytes("This is a text file, not an image.\n");

    public static byte[] Svg => Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\"><circle cx=\"14\" cy=\"14\" r=\"9\"/></svg>");

    public static byte[] PngSignatureOnly => PngChunks.Signature.ToArray();

    /// <summary>The first half of a real digit's PNG: cut off inside its pixel data.</summary>
    public static byte[] TruncatedPng
    {
        get
        {
            var png = Digits.Png(0);
            return png[..(png.Length / 2)];
        }
    }

    /// <summary>A real digit whose IHDR checksum has one byte flipped.</summary>
    public static byte[] PngWithBadHeaderCrc
    {
        get
        {
            var png = Digits.Png(0);
            png[PngChunks.OffsetOf(png, "IHDR") + 8 + 13 + 3] ^= 0xFF;
            return png;
        }
    }

    /// <summary>A real digit with one byte of compressed pixel data changed but its chunk checksum kept.</summary>
    public static byte[] PngWithBadDataCrc
    {
        get
        {
            var png = Digits.Png(0);
            png[PngChunks.OffsetOf(png, "IDAT") + 8 + 10] ^= 0x55;
            return png;
        }
    }

    /// <summary>20000x20000 (400 megapixels) from a few hundred kilobytes: an IDAT that really inflates to every row.</summary>
    public static byte[] GigapixelPngBomb => GigapixelBomb.Value;

    /// <summary>Within every limit by its header (1x1), but its IDAT inflates to 256 MiB of zeros.</summary>
    public static byte[] OnePixelPngInflatingTo256MiB => InflationBomb.Value;

    /// <summary>The largest canvas the limits allow (4096x4096 = MaxPixels), from a ~16 KB file.</summary>
    public static byte[] LargestAllowedCanvasFromATinyFile => LargestCanvas.Value;

    /// <summary>An IHDR of the given size, one small IDAT: what the header says is all that matters.</summary>
    public static byte[] PngHeaderOnly(int width, int height) => PngDeclaring(width, height, idatInflatesTo: 1024);

    /// <summary>A valid 28x28 IHDR and IDAT, then a second IHDR declaring 50000x50000: which header does the decoder believe?</summary>
    public static byte[] PngWithSecondHeader
    {
        get
        {
            var digit = Digits.Png(0);
            var idat = PngChunks.OffsetOf(digit, "IDAT");
            var idatLength = 12 + BinaryPrimitives.ReadInt32BigEndian(digit.AsSpan(idat));
            return PngChunks.File(
                PngChunks.GrayscaleHeader(28, 28),
                digit[idat..(idat + idatLength)],
                PngChunks.GrayscaleHeader(50_000, 50_000),
                PngChunks.Chunk("IDAT", Zlib(1024)),
                PngChunks.Chunk("IEND", []));
        }
    }

    /// <summary>
    /// A real digit with a compressed text chunk (zTXt, or iTXt with its compression flag set) whose text inflates to
    /// 1 GiB: the pixels are within every limit, the metadata is not.
    /// </summary>
    public static byte[] PngWithTextInflatingTo1GiB(string chunkType) => CompressedTextBombs.GetOrAdd(chunkType, type =>
    {
        byte[] keyword = [.. "Comment"u8, 0];
        byte[] header = type == "iTXt" ? [.. keyword, 1, 0, 0, 0] : [.. keyword, 0]; // iTXt: compressed, deflate, no language, no translation
        var digit = Digits.Png(0);
        var idat = PngChunks.OffsetOf(digit, "IDAT");
        return [.. digit[..idat], .. PngChunks.Chunk(type, [.. header, .. Zlib(1L << 30)]), .. digit[idat..]];
    });

    public static byte[] OnePixelPng => Encode(new Image<L8>(1, 1, new L8(255)), new PngEncoder());

    /// <summary>A white stroke on black, <paramref name="width"/> pixels wide and one high: the most extreme aspect ratio.</summary>
    public static byte[] OnePixelHighLine(int width) =>
        Encode(new Image<L8>(width, 1, new L8(255)), new PngEncoder { ColorType = PngColorType.Grayscale });

    public static byte[] SixteenBitGrayDigit => Encode(DigitAs<L16>(), new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 });

    public static byte[] SixteenBitRgbaDigit => Encode(DigitAs<Rgba64>(), new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16 });

    public static byte[] PaletteDigit => Encode(DigitAs<Rgba32>(), new PngEncoder { ColorType = PngColorType.Palette });

    public static byte[] InterlacedDigit => Encode(DigitAs<Rgba32>(), new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 });

    /// <summary>Fully transparent: nothing to see once composited onto white.</summary>
    public static byte[] TransparentPng => Encode(new Image<Rgba32>(28, 28, new Rgba32(0, 0, 0, 0)), new PngEncoder());

    /// <summary>Twice the model's size: fine with preprocessing, refused with preprocess=none.</summary>
    public static byte[] DoubleSizeDigit => Digits.UpscaledInvertedPng(0, 2);

    public static byte[] AnimatedGif
    {
        get
        {
            using var image = DigitAs<Rgba32>();
            using var second = DigitAs<Rgba32>(1);
            image.Frames.AddFrame(second.Frames.RootFrame);
            using var stream = new MemoryStream();
            image.SaveAsGif(stream);
            return stream.ToArray();
        }
    }

    public static byte[] Bmp => Save(image => image.SaveAsBmp);

    public static byte[] Tiff => Save(image => image.SaveAsTiff);

    public static byte[] Webp => Save(image => image.SaveAsWebp);

    /// <summary>Just enough of a RIFF/WEBP header for format sniffing, and nothing behind it.</summary>
    public static byte[] WebpHeaderOnly => [.. "RIFF"u8, 26, 0, 0, 0, .. "WEBPVP8 "u8, 14, 0, 0, 0, 0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 1, 0, 1, 0, 0, 0, 0, 0];

    /// <summary>Deterministic noise; no format starts like this.</summary>
    public static byte[] RandomBytes
    {
        get
        {
            var bytes = new byte[4096];
            new Random(20240601).NextBytes(bytes);
            bytes[0] = 0x42; // not 0x89 (PNG) nor 0xFF (JPEG)
            return bytes;
        }
    }

    /// <summary>A real JPEG cut in the middle of its entropy-coded scan.</summary>
    public static byte[] TruncatedJpeg => Jpeg[..(Jpeg.Length / 2)];

    /// <summary>The first quantisation table claims precision 15 and table 15, neither of which exists.</summary>
    public static byte[] JpegWithCorruptQuantisationTable => PatchJpegSegment(0xDB, payloadOffset: 0, value: 0xFF);

    /// <summary>The first Huffman table claims 255 codes of length 1, which cannot exist.</summary>
    public static byte[] JpegWithCorruptHuffmanTable => PatchJpegSegment(0xC4, payloadOffset: 1, value: 0xFF);

    /// <summary>The frame header says the image has zero components.</summary>
    public static byte[] JpegWithZeroComponents => PatchJpegSegment(0xC0, payloadOffset: 5, value: 0);

    /// <summary>The frame header declares 65500x65500; the scan is a real 56x56 one.</summary>
    public static byte[] JpegDeclaringHugeSize => JpegDeclaring(65_500);

    /// <summary>The frame header declares 4096x4096 (within every limit) over a 56x56 scan: a big canvas from a 1 KB file.</summary>
    public static byte[] JpegDeclaringLargestAllowedSize => JpegDeclaring(4096);

    /// <summary>The real 56x56 JPEG with its frame header rewritten to declare <paramref name="size"/> x <paramref name="size"/>.</summary>
    private static byte[] JpegDeclaring(ushort size)
    {
        var jpeg = Jpeg.ToArray();
        var frame = SegmentPayload(jpeg, 0xC0);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(frame + 1), size);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(frame + 3), size);
        return jpeg;
    }

    /// <summary>The entropy-coded scan replaced by noise (no 0xFF, so no stray markers), markers and tables intact.</summary>
    public static byte[] JpegWithNoiseForScan
    {
        get
        {
            var jpeg = Jpeg.ToArray();
            var header = SegmentPayload(jpeg, 0xDA);
            var scan = header - 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(header - 2));
            var random = new Random(7);
            for (var i = scan; i < jpeg.Length - 2; i++)
            {
                jpeg[i] = (byte)random.Next(0, 0xFF);
            }

            return jpeg;
        }
    }

    /// <summary>
    /// A gray progressive JPEG written marker by marker: a DC scan, then <paramref name="acScans"/> AC scans that each
    /// cover every block with a few end-of-band runs. A scan is some 40 bytes, and decoding it walks the whole image.
    /// </summary>
    public static byte[] ProgressiveJpeg(int side, int acScans)
    {
        const int LongestEndOfBandRun = 32_767; // the symbol 0xE0 with 14 extra bits
        var blocks = side / 8 * (side / 8);
        byte high = (byte)(side >> 8), low = (byte)side;

        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        Segment(jpeg, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(jpeg, 0xC2, [8, high, low, high, low, 1, 1, 0x11, 0]); // progressive, 8 bits, one component
        Segment(jpeg, 0xC4, [0x00, 1, .. new byte[15], 0x00, 0x10, 1, .. new byte[15], 0xE0]); // one 1-bit code per table

        Segment(jpeg, 0xDA, [1, 1, 0x00, 0, 0, 0x00]); // DC: every block's difference is category 0, one 0 bit each
        jpeg.Write(EntropyCoded(new bool[blocks]));

        bool[] endOfBandRun = [false, .. Enumerable.Repeat(true, 14)];
        var acScan = EntropyCoded([.. Enumerable.Repeat(endOfBandRun, (blocks / LongestEndOfBandRun) + 1).SelectMany(bits => bits)]);
        for (var scan = 0; scan < acScans; scan++)
        {
            Segment(jpeg, 0xDA, [1, 1, 0x00, 1, 63, 0x00]); // AC coefficients 1..63, all in end-of-band runs
            jpeg.Write(acScan);
        }

        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    /// <summary>A 2x2 palette PNG with one palette entry whose pixels use entry 200.</summary>
    public static byte[] PngIndexingPastItsPalette
    {
        get
        {
            byte[] header = [0, 0, 0, 2, 0, 0, 0, 2, 8, 3, 0, 0, 0]; // 2x2, 8-bit palette indices
            return PngChunks.File(
                PngChunks.Chunk("IHDR", header),
                PngChunks.Chunk("PLTE", [255, 255, 255]),
                PngChunks.Chunk("IDAT", ZLibCompress([0, 200, 200, 0, 200, 200])),
                PngChunks.Chunk("IEND", []));
        }
    }

    /// <summary>A real digit followed by zeros up to <paramref name="length"/> bytes: only the size is hostile.</summary>
    public static byte[] DigitPaddedTo(long length)
    {
        var padded = new byte[length];
        Digits.Png(0).CopyTo(padded, 0);
        return padded;
    }

    /// <summary>{"latent":[...]} with the given numbers written verbatim, so they may be anything JSON or not-quite-JSON allows.</summary>
    public static string Latent(IEnumerable<string> numbers) => $"{{\"latent\":[{string.Join(',', numbers)}]}}";

    public static string Latent(int count) => Latent(Enumerable.Repeat("0", count));

    /// <summary>A latent of 20 whose first number is <paramref name="first"/>.</summary>
    public static string LatentStartingWith(string first) => Latent([first, .. Enumerable.Repeat("0", 19)]);

    /// <summary>A JSON body of at least <paramref name="bytes"/> bytes: a latent of far too many zeros.</summary>
    public static string JsonOfSize(int bytes) => Latent((bytes / 2) + 1);

    public static string DeeplyNested(int depth) => "{\"latent\":" + new string('[', depth) + new string(']', depth) + "}";

    private static byte[] PngDeclaring(int width, int height, long idatInflatesTo) =>
        PngChunks.File(PngChunks.GrayscaleHeader(width, height), PngChunks.Chunk("IDAT", Zlib(idatInflatesTo)), PngChunks.Chunk("IEND", []));

    /// <summary>
    /// A zlib stream of <paramref name="zeros"/> zero bytes, about a thousandth of their size. One mebibyte is deflated
    /// once and its block repeated (a sync flush ends it on a byte boundary), so a gigabyte takes milliseconds to
    /// build rather than the seconds compressing it would.
    /// </summary>
    private static byte[] Zlib(long zeros)
    {
        const int Mebibyte = 1024 * 1024;
        const int AdlerModulus = 65521;
        var (mebibytes, rest) = Math.DivRem(zeros, Mebibyte);
        var block = DeflatedZeros(Mebibyte);

        using var zlib = new MemoryStream();
        zlib.Write([0x78, 0xDA]); // deflate, 32 KB window, best compression
        for (var i = 0; i < mebibytes; i++)
        {
            zlib.Write(block);
        }

        zlib.Write(DeflatedZeros((int)rest));
        zlib.Write([0x01, 0x00, 0x00, 0xFF, 0xFF]); // the final block: stored, empty

        // Adler-32 of n zeros: the byte sum stays 1, the running sum of sums is n.
        Span<byte> adler = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(adler, ((uint)(zeros % AdlerModulus) << 16) | 1);
        zlib.Write(adler);
        return zlib.ToArray();
    }

    private static byte[] DeflatedZeros(int count)
    {
        using var deflated = new MemoryStream();
        using var deflate = new DeflateStream(deflated, CompressionLevel.SmallestSize, leaveOpen: true);
        deflate.Write(new byte[count]);
        deflate.Flush(); // a sync flush, not the final block that disposing writes
        return deflated.ToArray();
    }

    private static byte[] ZLibCompress(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return compressed.ToArray();
    }

    private static void Segment(Stream jpeg, byte marker, byte[] payload)
    {
        jpeg.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        jpeg.Write(payload);
    }

    /// <summary>Bits packed most significant first, padded with ones, every 0xFF byte stuffed with a 0x00.</summary>
    private static byte[] EntropyCoded(bool[] bits)
    {
        var packed = new List<byte>((bits.Length / 8) + 2);
        for (var start = 0; start < bits.Length; start += 8)
        {
            var value = 0;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value << 1) | (start + bit >= bits.Length || bits[start + bit] ? 1 : 0);
            }

            packed.Add((byte)value);
            if (value == 0xFF)
            {
                packed.Add(0x00);
            }
        }

        return [.. packed];
    }

    private static Image<TPixel> DigitAs<TPixel>(int index = 0)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var gray = Image.LoadPixelData<L8>(TestData.TestDigit(index), 28, 28);
        return gray.CloneAs<TPixel>();
    }

    private static byte[] Encode<TPixel>(Image<TPixel> image, PngEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using (image)
        {
            return TestImages.Encode(image, encoder);
        }
    }

    private static byte[] Save(Func<Image, Action<Stream>> save)
    {
        using var image = DigitAs<Rgba32>();
        using var stream = new MemoryStream();
        save(image)(stream);
        return stream.ToArray();
    }

    private static byte[] PatchJpegSegment(byte marker, int payloadOffset, byte value)
    {
        var jpeg = Jpeg.ToArray();
        jpeg[SegmentPayload(jpeg, marker) + payloadOffset] = value;
        return jpeg;
    }

    /// <summary>Where the payload (after the two length bytes) of the first segment with <paramref name="marker"/> starts.</summary>
    private static int SegmentPayload(byte[] jpeg, byte marker)
    {
        var offset = 2; // after SOI
        while (offset + 4 <= jpeg.Length && jpeg[offset] == 0xFF)
        {
            if (jpeg[offset + 1] == marker)
            {
                return offset + 4;
            }

            offset += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(offset + 2));
        }

        throw new InvalidOperationException($"The JPEG has no 0xFF{marker:X2} segment before its scan.");
    }
}
