using Autoencoder.Api.Errors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace Autoencoder.Api.Images;

/// <summary>
/// Turns uploaded bytes into pixels, refusing anything that is not a PNG or JPEG within
/// <see cref="ImageLimits"/>. Every refusal is an <see cref="ImageRejectedException"/> whose
/// message tells the client what to fix.
/// </summary>
/// <remarks>
/// <para>One instance serves the whole process (it is thread-safe): it owns an ImageSharp memory pool,
/// which is costly to create and is released on <see cref="Dispose"/>.</para>
/// <para>PNGs are decoded by ImageSharp. JPEGs are decoded by Skia's libjpeg-turbo, which can decode at 1/2, 1/4 or
/// 1/8 of the size in the DCT domain (ImageSharp 2.1 cannot): a 12-megapixel phone photo is decoded as 0.2 megapixels
/// when that is all the caller needs, in a fraction of the time and memory. Skia also reads the photo's EXIF
/// orientation, and only that tag, so a portrait photo stored sideways is turned upright. Both parsers are fuzzed
/// continuously by OSS-Fuzz. ImageSharp still reads every header first, so the size limits are checked by two
/// parsers before any pixel is decoded.</para>
/// </remarks>
public sealed class ImageDecoder : IDisposable
{
    private const int BytesPerMegabyte = 1024 * 1024;

    /// <summary>
    /// Most scans a JPEG may have. Every progressive scan walks every block of the image, and one takes a few dozen
    /// bytes, so a file within every size limit can keep a core busy for minutes (40,000 scans over 4096x4096, 1.4 MB,
    /// took 26 s to decode). Encoders write about ten; 256 leaves room for any real file.
    /// </summary>
    private const int MaxJpegScans = 256;

    private readonly ImageLimits limits;
    private readonly Configuration configuration;

    /// <summary>Creates a decoder that refuses images larger than <paramref name="limits"/>.</summary>
    public ImageDecoder(ImageLimits limits)
    {
        this.limits = limits;

        // Only the two formats we accept are even parsed, so a flaw in another decoder
        // (GIF, TIFF, WebP, ...) cannot be reached with our upload endpoint. ImageSharp 2.1.13 has
        // advisories with no 2.x fix in the TIFF codec (not registered here), in ICC profile parsing
        // (unreachable: both decoders ignore metadata, so ImageSharp never reads an ICC, EXIF or XMP block) and
        // in HistogramEqualization (never used). EXIF orientation is read by Skia instead.
        configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule())
        {
            // Second guard behind the header check, for whatever the header does not reveal:
            // no single buffer may outgrow the pixels of the largest image we accept.
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = AllocationLimitMegabytes(limits),
            }),
        };
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
    }

    /// <summary>
    /// Decodes a PNG or JPEG into RGBA pixels. The caller owns and disposes the image.
    /// </summary>
    /// <param name="bytes">
    /// The whole encoded file, already in memory: the header is read first to check the size,
    /// then the same bytes are decoded, so a forward-only stream would not do.
    /// </param>
    /// <exception cref="ImageRejectedException">
    /// 400 when the bytes are empty, corrupt or truncated; 413 when the image is larger than the
    /// limits; 415 when it is not a PNG or JPEG.
    /// </exception>
    public Image<Rgba32> Decode(ReadOnlyMemory<byte> bytes) => Load(Inspect(bytes));

    /// <summary>
    /// The first half of <see cref="Decode"/>: reads and checks the header, allocating no pixels, and tells the size
    /// that <see cref="Load"/> will decode (so a caller can wait until that much memory may be used).
    /// </summary>
    /// <param name="bytes">As for <see cref="Decode"/>.</param>
    /// <param name="smallestUseful">
    /// The smallest size the caller can use as well as the full image, or null for the full image. A JPEG is then
    /// decoded at the smallest DCT scale (1/2, 1/4 or 1/8) that keeps it at least this large, whichever way round it
    /// lies; a PNG is always decoded whole.
    /// </param>
    /// <exception cref="ImageRejectedException">As for <see cref="Decode"/>.</exception>
    public InspectedImage Inspect(ReadOnlyMemory<byte> bytes, Size? smallestUseful = null)
    {
        if (bytes.IsEmpty)
        {
            throw ImageRejectedException.Empty();
        }

        using var stream = OpenReadOnly(bytes);
        try
        {
            // The header alone tells the size, so an oversized image is refused before a
            // single pixel buffer is allocated (a few bytes can declare a gigapixel canvas).
            var header = Image.Identify(configuration, stream, out var format) ?? throw ImageRejectedException.UnsupportedFormat();
            if (header.Width <= 0 || header.Height <= 0)
            {
                // A PNG's size is unsigned; past 2^31 it reads as negative here, and no limit may take it for a size.
                throw ImageRejectedException.Corrupt($"the header declares {header.Width}x{header.Height} pixels");
            }

            if (!limits.Allow(header.Width, header.Height))
            {
                throw ImageRejectedException.TooLarge(header.Width, header.Height, limits);
            }

            if (format is PngFormat && HasMoreThanOneHeader(bytes.Span))
            {
                throw new ImageRejectedException(
                    InputFault.Invalid,
                    "The PNG has more than one IHDR header chunk; a PNG has exactly one. Save the image again.");
            }

            if (format is PngFormat && MayDeclareInterlacing(bytes.Span))
            {
                throw ImageRejectedException.InterlacedPng();
            }

            if (format is JpegFormat && HasMoreScansThan(bytes.Span, MaxJpegScans))
            {
                throw new ImageRejectedException(
                    InputFault.Invalid,
                    $"The JPEG has more than {MaxJpegScans} scans (encoders write about ten): save it again as a baseline JPEG or a PNG.");
            }

            if (format is JpegFormat)
            {
                var denominator = smallestUseful is { } size ? JpegScaleDenominator(header.Width, header.Height, size) : 1;
                return new InspectedImage(bytes, header.Width, header.Height, isJpeg: true, denominator, IsProgressive(bytes.Span));
            }

            return new InspectedImage(bytes, header.Width, header.Height, isJpeg: false, scaleDenominator: 1, holdsWholeImageWhileDecoding: false);
        }
        catch (Exception exception) when (Rejection(exception) is { } rejection)
        {
            throw rejection;
        }
    }

    /// <summary>The second half of <see cref="Decode"/>: decodes an image whose header passed <see cref="Inspect"/>.</summary>
    /// <exception cref="ImageRejectedException">As for <see cref="Decode"/>.</exception>
    public Image<Rgba32> Load(InspectedImage inspected)
    {
        if (inspected.IsJpeg)
        {
            return LoadJpeg(inspected);
        }

        using var stream = OpenReadOnly(inspected.Bytes);
        try
        {
            var image = Image.Load<Rgba32>(configuration, stream);

            // The header can understate the size: a PNG may hold a second IHDR, and Identify reports the last one
            // while Load sizes the pixels by the one before the image data.
            if (!limits.Allow(image.Width, image.Height))
            {
                var (width, height) = (image.Width, image.Height);
                image.Dispose();
                throw ImageRejectedException.TooLarge(width, height, limits);
            }

            return image;
        }
        catch (Exception exception) when (Rejection(exception) is { } rejection)
        {
            throw rejection;
        }
    }

    /// <summary>
    /// Decodes a JPEG with Skia at the inspected scale, upright by its EXIF orientation. Skia reads the header again:
    /// it must declare the size ImageSharp read, so two parsers agree on what is about to be decoded.
    /// </summary>
    private Image<Rgba32> LoadJpeg(InspectedImage inspected)
    {
        using var data = SKData.CreateCopy(inspected.Bytes.Span);
        using var codec = SKCodec.Create(data)
            ?? throw ImageRejectedException.Corrupt("the JPEG decoder could not read its header.");
        if (codec.Info.Width != inspected.Width || codec.Info.Height != inspected.Height)
        {
            throw ImageRejectedException.Corrupt(
                $"its headers disagree about its size ({inspected.Width}x{inspected.Height} or {codec.Info.Width}x{codec.Info.Height}).");
        }

        var scaled = codec.GetScaledDimensions(1f / inspected.ScaleDenominator);
        if ((long)scaled.Width * scaled.Height > inspected.DecodedPixels)
        {
            throw new InvalidOperationException(
                $"Skia would decode {scaled.Width}x{scaled.Height}, more than the {inspected.DecodedPixels} pixels reserved.");
        }

        var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = GC.AllocateUninitializedArray<Rgba32>(scaled.Width * scaled.Height);
        var pinned = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        SKCodecResult result;
        try
        {
            // Rows a truncated or damaged scan leaves undecoded are filled in, as ImageSharp did.
            result = codec.GetPixels(info, pinned.AddrOfPinnedObject());
        }
        finally
        {
            pinned.Free();
        }

        return result switch
        {
            SKCodecResult.Success or SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput =>
                Upright(pixels, scaled.Width, scaled.Height, codec.EncodedOrigin),
            SKCodecResult.Unimplemented => throw new ImageRejectedException(
                InputFault.UnsupportedFormat,
                "Unsupported JPEG encoding: send a baseline or progressive JPEG, or a PNG."),
            SKCodecResult.InvalidScale or SKCodecResult.InvalidConversion or SKCodecResult.InvalidParameters =>
                throw new InvalidOperationException($"Skia refused the decode it was asked for: {result}."),
            _ => throw ImageRejectedException.Corrupt($"the JPEG decoder stopped ({result})."),
        };
    }

    /// <summary>
    /// The stored pixels as a person sees the photo: EXIF orientations 2 to 8 mirror and turn the stored rows (1 is
    /// upright already). Each value's mapping follows the EXIF specification's words for it: for 6, "the 0th row is
    /// the visual right-hand side and the 0th column the visual top", so stored pixel (x, y) is seen at
    /// (height - 1 - y, x).
    /// </summary>
    private Image<Rgba32> Upright(Rgba32[] stored, int width, int height, SKEncodedOrigin origin)
    {
        var turned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var image = new Image<Rgba32>(configuration, turned ? height : width, turned ? width : height);
        image.ProcessPixelRows(accessor =>
        {
            for (var line = 0; line < accessor.Height; line++)
            {
                var row = accessor.GetRowSpan(line);
                if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
                {
                    stored.AsSpan(line * width, width).CopyTo(row);
                    continue;
                }

                for (var column = 0; column < row.Length; column++)
                {
                    // The stored pixel seen at (column, line).
                    var (x, y) = origin switch
                    {
                        SKEncodedOrigin.TopRight => (width - 1 - column, line),
                        SKEncodedOrigin.BottomRight => (width - 1 - column, height - 1 - line),
                        SKEncodedOrigin.BottomLeft => (column, height - 1 - line),
                        SKEncodedOrigin.LeftTop => (line, column),
                        SKEncodedOrigin.RightTop => (line, height - 1 - column),
                        SKEncodedOrigin.RightBottom => (width - 1 - line, height - 1 - column),
                        SKEncodedOrigin.LeftBottom => (width - 1 - line, column),
                        _ => (column, line),
                    };
                    row[column] = stored[(y * width) + x];
                }
            }
        });
        return image;
    }

    /// <summary>
    /// The largest of 1, 2, 4 and 8 that keeps a <paramref name="width"/> x <paramref name="height"/> JPEG at least
    /// <paramref name="smallestUseful"/> in both directions, either way round (the EXIF orientation is not known yet).
    /// libjpeg-turbo rounds a scaled size up, so the result is never smaller than this promises.
    /// </summary>
    private static int JpegScaleDenominator(int width, int height, Size smallestUseful)
    {
        var (shorter, longer) = (Math.Min(width, height), Math.Max(width, height));
        var (shorterNeeded, longerNeeded) = (Math.Min(smallestUseful.Width, smallestUseful.Height), Math.Max(smallestUseful.Width, smallestUseful.Height));
        var denominator = 8;
        while (denominator > 1 && (shorter / denominator < shorterNeeded || longer / denominator < longerNeeded))
        {
            denominator /= 2;
        }

        return denominator;
    }

    /// <summary>
    /// Whether the JPEG may be progressive (or arithmetic-coded hierarchical), whose decoder keeps every coefficient of
    /// the whole image in memory, whatever the scale. A start-of-frame marker's bytes inside metadata make this say yes
    /// wrongly, which only reserves more of the decode budget than needed.
    /// </summary>
    private static bool IsProgressive(ReadOnlySpan<byte> jpeg)
    {
        for (var at = jpeg.IndexOf((byte)0xFF); at >= 0 && at + 1 < jpeg.Length; at = jpeg.IndexOf((byte)0xFF))
        {
            if (jpeg[at + 1] is 0xC2 or 0xC6 or 0xCA or 0xCE)
            {
                return true;
            }

            if (jpeg[at + 1] is 0xDA)
            {
                // The first scan: every frame header comes before it.
                return false;
            }

            jpeg = jpeg[(at + 1)..];
        }

        return false;
    }

    /// <summary>What the client is told when ImageSharp fails on its upload; null for failures that are not the file's.</summary>
    private static ImageRejectedException? Rejection(Exception exception) => exception switch
    {
        ImageRejectedException or OutOfMemoryException => null,
        UnknownImageFormatException => ImageRejectedException.UnsupportedFormat(exception),

        // A PNG or JPEG variant the decoder does not implement (e.g. lossless JPEG).
        NotSupportedException => new ImageRejectedException(
            InputFault.UnsupportedFormat,
            $"Unsupported image encoding ({exception.Message}): send a baseline or progressive JPEG, or a PNG.",
            exception),
        InvalidMemoryOperationException => new ImageRejectedException(
            InputFault.TooLarge,
            "The image needs more memory to decode than the service allows: send a smaller image.",
            exception),
        ImageFormatException => ImageRejectedException.Corrupt(exception.Message, exception),

        // ImageSharp 2 lets some corrupt files escape as other exceptions (a JPEG with a bad component table throws
        // NullReferenceException, for one). It read nothing but our in-memory copy of the upload, so a fault while
        // parsing is the file's, not ours.
        _ => ImageRejectedException.Corrupt("the decoder could not make sense of it.", exception),
    };

    /// <inheritdoc />
    public void Dispose() => configuration.MemoryAllocator.ReleaseRetainedResources();

    /// <summary>
    /// The largest buffer a decode may need: the RGBA pixels of the largest image allowed,
    /// rounded up to whole megabytes (decoders' other buffers, such as progressive JPEG
    /// coefficients, are smaller per buffer).
    /// </summary>
    private static int AllocationLimitMegabytes(ImageLimits limits)
    {
        var megabytes = Math.Ceiling((double)limits.MaxPixels * Unsafe.SizeOf<Rgba32>() / BytesPerMegabyte);
        return (int)Math.Min(megabytes, int.MaxValue);
    }

    private static MemoryStream OpenReadOnly(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    /// <summary>
    /// Counts start-of-scan markers. Byte stuffing keeps 0xFF 0xDA out of entropy-coded data, so a plain search finds
    /// markers only (and perhaps a few inside metadata, which the generous limit absorbs).
    /// </summary>
    private static bool HasMoreScansThan(ReadOnlySpan<byte> jpeg, int most)
    {
        ReadOnlySpan<byte> startOfScan = [0xFF, 0xDA];
        var scans = 0;
        for (var at = jpeg.IndexOf(startOfScan); at >= 0 && scans <= most; at = jpeg.IndexOf(startOfScan))
        {
            scans++;
            jpeg = jpeg[(at + startOfScan.Length)..];
        }

        return scans > most;
    }

    /// <summary>
    /// Whether any PNG header (IHDR) in the bytes could declare Adam7 interlacing. ImageSharp 2.1 never returns from
    /// an interlaced PNG whose image data ends before its last pass (the exit of its pass loop jumps back into the
    /// loop), so a 162-byte upload would hold a server thread at full CPU for good: interlaced PNGs are refused
    /// before they are decoded.
    /// </summary>
    /// <remarks>
    /// Every position is searched rather than each chunk in turn: after a chunk length it cannot use, ImageSharp
    /// reads on four bytes at a time for one it can, and obeys every IHDR it meets, so only this finds every header
    /// it could act on. The type, then width, height, bit depth, colour type, compression and filter bytes come
    /// before the interlace method's byte.
    /// </remarks>
    private static bool MayDeclareInterlacing(ReadOnlySpan<byte> bytes)
    {
        const int InterlaceMethodOffset = 16;
        const byte Adam7 = 1;
        var searchFrom = 0;
        while (true)
        {
            var found = bytes[searchFrom..].IndexOf("IHDR"u8);
            if (found < 0)
            {
                return false;
            }

            var interlaceMethod = searchFrom + found + InterlaceMethodOffset;
            if (interlaceMethod < bytes.Length && bytes[interlaceMethod] == Adam7)
            {
                return true;
            }

            searchFrom += found + 1;
        }
    }

    /// <summary>
    /// A valid PNG has exactly one IHDR. ImageSharp 2.1 obeys every one it meets, and files with several make it
    /// size pixels by one header and report another, or never return (both found by fuzzing), so the bytes are
    /// searched for a second one wherever it may hide.
    /// </summary>
    private static bool HasMoreThanOneHeader(ReadOnlySpan<byte> bytes)
    {
        var first = bytes.IndexOf("IHDR"u8);
        return first >= 0 && bytes[(first + 4)..].IndexOf("IHDR"u8) >= 0;
    }
}
