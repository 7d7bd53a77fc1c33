using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Api.Images;

/// <summary>
/// Turns uploaded bytes into pixels, refusing anything that is not a PNG or JPEG within
/// <see cref="ImageLimits"/>. Every refusal is an <see cref="ImageRejectedException"/> whose
/// message tells the client what to fix.
/// </summary>
/// <remarks>
/// One instance serves the whole process (it is thread-safe): it owns an ImageSharp memory pool,
/// which is costly to create and is released on <see cref="Dispose"/>.
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
        // (unreachable: both decoders ignore metadata, so no ICC, EXIF or XMP block is ever read) and
        // in HistogramEqualization (never used). The price of ignoring metadata: EXIF orientation is
        // not applied, so a photo stored sideways is seen sideways.
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
    /// <exception cref="ImageRejectedException">As for <see cref="Decode"/>.</exception>
    public InspectedImage Inspect(ReadOnlyMemory<byte> bytes)
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
            if (!limits.Allow(header.Width, header.Height))
            {
                throw ImageRejectedException.TooLarge(header.Width, header.Height, limits);
            }

            if (format is PngFormat && HasMoreThanOneHeader(bytes.Span))
            {
                throw new ImageRejectedException(
                    StatusCodes.Status400BadRequest,
                    "The PNG has more than one IHDR header chunk; a PNG has exactly one. Save the image again.");
            }

            if (format is PngFormat && MayDeclareInterlacing(bytes.Span))
            {
                throw ImageRejectedException.InterlacedPng();
            }

            if (format is JpegFormat && HasMoreScansThan(bytes.Span, MaxJpegScans))
            {
                throw new ImageRejectedException(
                    StatusCodes.Status400BadRequest,
                    $"The JPEG has more than {MaxJpegScans} scans (encoders write about ten): save it again as a baseline JPEG or a PNG.");
            }

            return new InspectedImage(bytes, header.Width, header.Height);
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

    /// <summary>What the client is told when ImageSharp fails on its upload; null for failures that are not the file's.</summary>
    private static ImageRejectedException? Rejection(Exception exception) => exception switch
    {
        ImageRejectedException or OutOfMemoryException => null,
        UnknownImageFormatException => ImageRejectedException.UnsupportedFormat(exception),

        // A PNG or JPEG variant the decoder does not implement (e.g. lossless JPEG).
        NotSupportedException => new ImageRejectedException(
            StatusCodes.Status415UnsupportedMediaType,
            $"Unsupported image encoding ({exception.Message}): send a baseline or progressive JPEG, or a PNG.",
            exception),
        InvalidMemoryOperationException => new ImageRejectedException(
            StatusCodes.Status413PayloadTooLarge,
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
