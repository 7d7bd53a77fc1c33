using Autoencoder.Api.Errors;
using System.Diagnostics;
using Autoencoder.Api.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests.Images;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly ImageDecoder decoder = new(new ImageLimits());

    public void Dispose() => decoder.Dispose();

    [Fact]
    public void APngIsDecodedToItsExactPixels()
    {
        using var original = TestImages.Rgba(3, 2, (x, y) => new Rgba32((byte)(x * 100), (byte)(y * 200), 7, (byte)(255 - x)));

        using var decoded = decoder.Decode(TestImages.Encode(original, new PngEncoder()));

        Assert.Equal((3, 2), (decoded.Width, decoded.Height));
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                Assert.Equal(original[x, y], decoded[x, y]);
            }
        }
    }

    [Theory]
    [InlineData(JpegColorType.YCbCrRatio420)]
    [InlineData(JpegColorType.Luminance)]
    public void AJpegIsDecoded(JpegColorType colorType)
    {
        using var original = TestImages.Rgba(32, 16, (x, _) => x < 16 ? new Rgba32(0, 0, 0) : new Rgba32(255, 255, 255));

        using var decoded = decoder.Decode(TestImages.Encode(original, new JpegEncoder { Quality = 95, ColorType = colorType }));

        Assert.Equal((32, 16), (decoded.Width, decoded.Height));
        Assert.InRange(decoded[2, 8].R, 0, 10);
        Assert.InRange(decoded[29, 8].R, 245, 255);
    }

    [Fact]
    public void ImageSharpNeverReadsMetadataSoItsIccAndExifParsersAreUnreachable()
    {
        // A JPEG that carries an ICC profile and EXIF (orientation 6: "rotate to view"). ImageSharp 2.1's
        // ICC parsing has advisories without a 2.x fix, so its decoders are told to ignore metadata entirely:
        // the images come back without profiles. The orientation is read by Skia, and applied.
        using var stored = TestImages.Rgba(16, 8, (x, _) => x < 8 ? new Rgba32(0, 0, 0) : new Rgba32(255, 255, 255));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        stored.Metadata.IccProfile = new IccProfile(TestImages.MinimalIccProfile());

        var bytes = TestImages.Encode(stored, new JpegEncoder { Quality = 95 });
        var carried = Image.Identify(bytes).Metadata;
        Assert.NotNull(carried.IccProfile); // the file really carries both
        Assert.NotNull(carried.ExifProfile);

        using var decoded = decoder.Decode(bytes);

        Assert.Null(decoded.Metadata.IccProfile);
        Assert.Null(decoded.Metadata.ExifProfile);
        Assert.Equal((8, 16), (decoded.Width, decoded.Height));
        Assert.InRange(decoded[4, 2].R, 0, 10); // the stored left half is seen on top
        Assert.InRange(decoded[4, 13].R, 245, 255);
    }

    [Fact]
    public void BytesInsideALargerBufferAreDecodedFromTheirSliceOnly()
    {
        using var original = TestImages.Rgba(4, 4, (x, y) => new Rgba32((byte)(x * 60), (byte)(y * 60), 0));
        var png = TestImages.Encode(original, new PngEncoder());
        var buffer = new byte[png.Length + 20];
        png.CopyTo(buffer, 10);

        using var decoded = decoder.Decode(buffer.AsMemory(10, png.Length));

        Assert.Equal(original[3, 2], decoded[3, 2]);
    }

    [Theory]
    [InlineData("gif")]
    [InlineData("bmp")]
    [InlineData("tiff")]
    [InlineData("webp")]
    public void OtherImageFormatsAreUnsupportedMediaTypeWhateverTheClientCallsThem(string format)
    {
        IImageEncoder encoder = format switch
        {
            "gif" => new GifEncoder(),
            "bmp" => new BmpEncoder(),
            "tiff" => new TiffEncoder(),
            "webp" => new WebpEncoder(),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        using var image = TestImages.Rgba(8, 8, (x, y) => new Rgba32((byte)(x * 30), (byte)(y * 30), 0));

        // The decoder sees only the bytes: a file named digit.png sent as image/png is judged by its content.
        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(TestImages.Encode(image, encoder)));

        Assert.Equal(InputFault.UnsupportedFormat, rejection.Fault);
        Assert.Equal("Unsupported image format: send PNG or JPEG.", rejection.Message);
    }

    [Theory]
    [InlineData("hello, this is not an image")]
    [InlineData("{\"pixels\": [0, 0, 0]}")]
    [InlineData("\u0089PN")]
    public void BytesThatAreNoImageAtAllAreUnsupportedMediaType(string text)
    {
        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(System.Text.Encoding.Latin1.GetBytes(text)));

        Assert.Equal(InputFault.UnsupportedFormat, rejection.Fault);
    }

    [Fact]
    public void AnEmptyUploadIsABadRequest()
    {
        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(ReadOnlyMemory<byte>.Empty));

        Assert.Equal(InputFault.Invalid, rejection.Fault);
        Assert.Contains("empty", rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void ATruncatedPngIsABadRequest(double fractionKept)
    {
        var png = NoisyPng();

        var truncated = png.AsMemory(0, (int)(png.Length * fractionKept));
        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(truncated));

        Assert.Equal(InputFault.Invalid, rejection.Fault);
        Assert.StartsWith("The image data is corrupt or truncated: ", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedJpegIsABadRequest()
    {
        using var image = TestImages.Rgba(64, 64, (x, y) => new Rgba32((byte)(x * 4), (byte)(y * 4), (byte)(x ^ y)));
        var jpeg = TestImages.Encode(image, new JpegEncoder());

        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(jpeg.AsMemory(0, jpeg.Length / 2)));

        Assert.Equal(InputFault.Invalid, rejection.Fault);
    }

    [Fact]
    public void APngWhoseImageDataFailsItsCrcIsABadRequest()
    {
        var png = NoisyPng();
        var imageData = PngChunks.OffsetOf(png, "IDAT");
        png[imageData + 8] ^= 0xFF; // first byte of the chunk's data, so its CRC no longer matches

        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        Assert.Equal(InputFault.Invalid, rejection.Fault);
        Assert.Contains("CRC", rejection.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void APngWhoseHeaderFailsItsCrcIsABadRequest()
    {
        var png = NoisyPng();
        png[PngChunks.OffsetOf(png, "IHDR") + 8 + 13] ^= 0xFF; // the IHDR's CRC itself

        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        Assert.Equal(InputFault.Invalid, rejection.Fault);
    }

    [Fact]
    public void AnInterlacedPngIsUnsupportedMediaType()
    {
        using var image = TestImages.Rgba(8, 8, (x, y) => new Rgba32((byte)(x * 30), (byte)(y * 30), 0));

        var rejection = Assert.Throws<ImageRejectedException>(
            () => decoder.Decode(TestImages.Encode(image, new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 })));

        Assert.Equal(InputFault.UnsupportedFormat, rejection.Fault);
        Assert.Equal("Unsupported image encoding (interlaced PNG): save the PNG without interlacing, or send a JPEG.", rejection.Message);
    }

    [Fact]
    public async Task AnInterlacedPngWhoseImageDataEndsEarlyIsRefusedInsteadOfDecodedForever()
    {
        // Found by fuzz/ImageFuzz: a 28x28 1-bit interlaced PNG whose IDAT holds a zlib header and
        // no data. ImageSharp 2.1's interlaced decoder spins for good once the data runs out.
        var png = Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAABwAAAAcAQAAAAEtcdKvAAAACXBgWXMAAA7EAAAOxAGLFqMdAAAAAklEQVR4nGKkkSvshMEFIOFw7RcLQ8EcAAIAKMZ4"
            + "gOcLCxNEScQEFoZE/gks/+QeMrD8r08CijU5AQnGAzADTwKKNTkBlr8gVqICKPHHAcj9i2wlAL0kFTCqPPJPAAAAAElFTkSuQmCC");

        var rejection = await DecodeExpectingRejectionWithinSeconds(png, 10);

        Assert.Equal(InputFault.UnsupportedFormat, rejection.Fault);
    }

    [Fact]
    public async Task AnInterlacedHeaderHiddenBehindABadChunkLengthIsStillRefused()
    {
        // ImageSharp skips a chunk length it cannot use and reads on, so it meets the second,
        // interlaced header; a check that walked the chunks would stop at the bad length.
        byte[] impossibleLength = [0xFF, 0xFF, 0xFF, 0xFF];
        var interlacedHeader = PngChunks.Chunk("IHDR", [0, 0, 0, 28, 0, 0, 0, 28, 8, 0, 0, 0, 1]);
        var png = PngChunks.File(
            PngChunks.GrayscaleHeader(28, 28), impossibleLength, interlacedHeader, PngChunks.Chunk("IDAT", [0x78, 0x9C]), PngChunks.Chunk("IEND", []));

        var rejection = await DecodeExpectingRejectionWithinSeconds(png, 10);

        // Refused as a second header (400) or as interlaced (415), within seconds either way.
        Assert.Contains(rejection.Fault, new[] { InputFault.Invalid, InputFault.UnsupportedFormat });
    }

    [Fact]
    public async Task APngWithSeveralHeadersIsRefusedInsteadOfDecodedForever()
    {
        // Found by fuzz/ImageFuzz: five IHDR chunks, the last declaring 16384x7; ImageSharp 2.1 never returns from it.
        var png = Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAABwAAAAHEAAAAABu565TAAAACXBIV3MAAA7EEwAOxAHgHchPAAAAVElEQVR4nGMaAAAAVElEQVR4nGNhAP//hP/AIOFw7VBO"
            + "Rw2urq6urq6urq6urq6urq7Qrq6urq6urq6urq6urq6uChocBBaGRP4JLP/kAA1JSERSAIlQTkcixSqZAAAADUlIRFIAAEAAAAAABwEAAAAA2L1o6AAAAAlw"
            + "SFlzAAAOxAAADsQBlSsOGwAAAFRJREFUeJxjEAAC7ITBBSDhcO0XC0PBDyDxACjGeIDnCwsTUExURURJxIlQTkcNChoKAAADDUlIRFIAAAAcAAAABwEAAAAA"
            + "WnbiOQAAAAlwSFlzAAAOxAAAshaWJsAACwgAAAA8AQERAP/T+NIAAAHBBSDhcO0XC0PBDyDxACjGeIDnCwsTREnEBBaGRP4JLP//xOQeMrD8r08CY0hSTYo1"
            + "OQEJxgMwA5jA6hpg8ceJUE5HDQoaCgAAAAAAAB8AAP8AAAAAAP/AAAANSUhEUgAAABwAAAAcAQAAAABadsI5AAAOxAEoxniA5wsLE0RJxAQWhkT+CSz//8Tk"
            + "HjKw/K9PAmNIUgACAQMDAkZJRgABAQEAYABgAAD/2wCEAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIAFp24jkAAAAJDBkaJSYnKCkqNDU2NwEFAQEBAW0B"
            + "AAAAAAAVM2JyggkCFhgZGiUmJygoKSo0NTY3ODk6Q0RFAAAAAADtAAAAAAAAAAAAAAAAAAAA6AMAAAAAAAAAAAAAAAAAAAAAAB8AAP8AAAAAAP/AAAsIAAEA"
            + "PAEBEQD/0/jSAAABBQEBAQEBAQAAQAECAwQFBgcICQoLEAACAQMDAgQDBQUEBAAAAAAAAAEAAAAAAAAAHR0dHR0dHR0AAAF9AQIDAAQRBRIhMUEGE1FhByJx"
            + "FDKBkaEII0KxwRVS5PAkM2JyggkK+xcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUr/2P/gABBKRklGAAEBAQBgAGAAAP/bAIQAAu4CCgICAwMDAwQDAwQFCAUF"
            + "BAQFCgcHBggMCgwMCwoLCw0OEhANDhEOCwsQFhARExQVFQ==");

        var rejection = await DecodeExpectingRejectionWithinSeconds(png, 10);

        Assert.Equal(InputFault.Invalid, rejection.Fault);
        Assert.Contains("more than one IHDR", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATinyPngDeclaringHugeDimensionsIsRefusedWithoutDecoding()
    {
        // 57 bytes that declare 50000x50000 (2.5 gigapixels, 10 GB as RGBA). There is no image
        // data at all, so had the decoder got as far as the pixels it would have answered 400.
        var bomb = PngChunks.File(PngChunks.GrayscaleHeader(50_000, 50_000), PngChunks.Chunk("IEND", []));
        decoder.Decode(TestImages.GrayPng([0], 1, 1)).Dispose(); // warm up, so the timing below is the refusal alone

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(bomb));
        stopwatch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(InputFault.TooLarge, rejection.Fault);
        Assert.Equal(
            "The image is 50000x50000 pixels; the limit is 16777216 pixels (e.g. 4096x4096), at most 16384 wide and 16384 high. "
            + "Scale it down and send it again.",
            rejection.Message);
        Assert.InRange(stopwatch.ElapsedMilliseconds, 0, 500);
        Assert.InRange(allocated, 0, 1_000_000);
    }

    [Fact]
    public void APngWhoseHeaderUnderstatesItsSizeIsTooLargeOnceDecoded()
    {
        // Found by fuzz/ImageFuzz: an IHDR for 1048582x28 before the image data, and a second one
        // for 28x28 after bytes ImageSharp skips. Identify reports the second, Load decodes by the first.
        var png = Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAQAAYAAAAcEAAAAAA7YqDWAAAACXRSTlMAAA7EAAAOxAF7LbOIAAAAVElEQVR4nGMaCgAAAA1JAAAAEN1IWP/YEOFJaURSAAABRkYAAf/E"
            + "AYCfn5+fn5+fnwBJSSoACAAAAAEAzQEJAAEAAAAGAAEBADFBBhNRYQcicRSpUE4y/8B4ILllOAD0MjIyMjIyMjIyMjIyMmQAATIyMjJGMjIyMjIyUjIyMjIyMw0K"
            + "qVBOMv/AAGQIADgA9DIyMjIyn5+fn5+f8vJOMv/AABEIADgAOAMBIgACEQFiYiMUFImJiWSiovLyAAAAAAQDBQVKVQEBAGAQAQEBABEFEv/bITFBBhJRYQeJUE5H"
            + "DQoaCgAAAA1JSERSAAAAHAAAABwIAwAAAEXTL6YAAABaUE1URQAAAISEhM3NzSsrK/Ly8qysrA0NDVVVVZycnNzc3D09PR4eHr6+vv39/ebm5mJiYhQUFImJiaKi"
            + "okVFRZOTk01NTTIyMrKy/9gQ4QAQBAQAAP//f/8DAARgAGAAAP/hACJFeGlmAABJSSoACAAAAAEAPgEJAAEAAAAGAAEBEDFBBhNRYQcikhTqUE4y/8AAEQgA/9gQ"
            + "4QAQSlUBAQBgEAEBAAAOxAGVPQ4BAGAAYGQA/+EAIkV4aWYAAElJKgAIAAAAAQBWAQMAAQAAAAYA/9j/4AAQvAMDAwQDAwQFCAUFBAQFCgcHBggMCgwMCwoLCw0O"
            + "EhANDhEOCwtAFhARExQVFRUMDxc1FhQYEhQVFAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            + "/8AACwgAHEAAAQFgEQD/xADSAgEDAwIEAwUFAQQAAAF9AQI=");
        Assert.Equal((28, 28), (Image.Identify(png).Width, Image.Identify(png).Height));

        var rejection = Assert.Throws<ImageRejectedException>(() => decoder.Decode(png));

        // Refused either way: as too large once decoded, or (with metadata ignored, the decoder reads the chunks
        // differently) as corrupt; never returned as a 28x28 image.
        Assert.Contains(rejection.Fault, new[] { InputFault.Invalid, InputFault.TooLarge });
    }

    [Theory]
    [InlineData(101, 1)]
    [InlineData(1, 101)]
    [InlineData(60, 60)]
    public void AnImageOverAnyConfiguredLimitIsTooLarge(int width, int height)
    {
        using var strict = new ImageDecoder(new ImageLimits { MaxWidth = 100, MaxHeight = 100, MaxPixels = 3_000 });
        using var image = new Image<L8>(width, height);

        var rejection = Assert.Throws<ImageRejectedException>(() => strict.Decode(TestImages.Encode(image, new PngEncoder())));

        Assert.Equal(InputFault.TooLarge, rejection.Fault);
        Assert.Contains($"{width}x{height}", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnImageAtTheLimitsDecodesWithinTheAllocationLimit()
    {
        // The allocator refuses any buffer larger than the RGBA pixels of the largest image
        // allowed; images right at the limit, in the formats that need the most memory, still pass.
        using var limited = new ImageDecoder(new ImageLimits { MaxWidth = 1024, MaxHeight = 1024, MaxPixels = 1024 * 1024 });
        using var image = TestImages.Rgba(1024, 1024, (x, y) => new Rgba32((byte)x, (byte)y, (byte)(x ^ y), (byte)(x + y)));
        var encodings = new IImageEncoder[]
        {
            new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16 },
            new JpegEncoder { ColorType = JpegColorType.YCbCrRatio444, Quality = 100 },
        };

        foreach (var encoder in encodings)
        {
            using var decoded = limited.Decode(TestImages.Encode(image, encoder));
            Assert.Equal((1024, 1024), (decoded.Width, decoded.Height));
        }
    }

    [Fact]
    public void DecodedImagesComeWithAnAllocatorCappedAtTheLargestAllowedImage()
    {
        const int largestImageBytes = 1024 * 1024 * 4; // 1024x1024 RGBA
        using var limited = new ImageDecoder(new ImageLimits { MaxWidth = 1024, MaxHeight = 1024, MaxPixels = 1024 * 1024 });
        using var image = limited.Decode(TestImages.GrayPng([0], 1, 1));
        var allocator = image.GetConfiguration().MemoryAllocator;

        allocator.Allocate<byte>(largestImageBytes).Dispose();
        Assert.Throws<InvalidMemoryOperationException>(() => allocator.Allocate<byte>(largestImageBytes + 1));
    }

    [Fact]
    public void A16BitGrayscalePngDecodes()
    {
        using var original = new Image<L16>(3, 1);
        original[0, 0] = new L16(0);
        original[1, 0] = new L16(0x8080);
        original[2, 0] = new L16(ushort.MaxValue);

        using var decoded = decoder.Decode(TestImages.Encode(original, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 }));

        Assert.Equal([0, 128, 255], Enumerable.Range(0, 3).Select(x => decoded[x, 0].R));
        Assert.All(Enumerable.Range(0, 3), x => Assert.Equal(255, decoded[x, 0].A));
    }

    [Fact]
    public void APalettePngDecodes()
    {
        var colours = new[] { new Rgba32(255, 0, 0), new Rgba32(0, 255, 0), new Rgba32(0, 0, 255), new Rgba32(255, 255, 255) };
        using var original = TestImages.Rgba(4, 4, (x, y) => colours[(x + y) % 4]);
        var png = TestImages.Encode(original, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 });
        Assert.Equal(PngColorType.Palette, Image.Identify(png).Metadata.GetPngMetadata().ColorType);

        using var decoded = decoder.Decode(png);

        Assert.All(Enumerable.Range(0, 16), i => Assert.Equal(colours[((i % 4) + (i / 4)) % 4], decoded[i % 4, i / 4]));
    }

    [Fact]
    public void CorruptedBytesAreAlwaysAnImageOrAClientErrorNeverAnotherException()
    {
        using var image = TestImages.Rgba(24, 24, (x, y) => new Rgba32((byte)(x * 10), (byte)(y * 10), (byte)(x * y)));
        var originals = new[]
        {
            TestImages.Encode(image, new PngEncoder()),
            TestImages.Encode(image, new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }),
            TestImages.Encode(image, new JpegEncoder()),
        };
        var random = new Random(20_240_601);

        foreach (var original in originals)
        {
            for (var trial = 0; trial < 300; trial++)
            {
                var corrupted = (byte[])original.Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    corrupted[random.Next(corrupted.Length)] = (byte)random.Next(256);
                }

                try
                {
                    decoder.Decode(corrupted).Dispose();
                }
                catch (ImageRejectedException rejection)
                {
                    Assert.False(string.IsNullOrWhiteSpace(rejection.Message));
                }
            }
        }
    }

    /// <summary>
    /// Decodes on another thread and fails if that takes longer than <paramref name="seconds"/>,
    /// so that a decoder that never returns fails the test instead of stalling the test run.
    /// </summary>
    private async Task<ImageRejectedException> DecodeExpectingRejectionWithinSeconds(byte[] bytes, int seconds)
    {
        var decoding = Task.Run(() => decoder.Decode(bytes).Dispose());
        var first = await Task.WhenAny(decoding, Task.Delay(TimeSpan.FromSeconds(seconds)));

        Assert.True(first == decoding, $"Decoding was still running after {seconds} s.");
        return await Assert.ThrowsAsync<ImageRejectedException>(() => decoding);
    }

    /// <summary>A PNG whose pixel data is long enough to cut in several places.</summary>
    private static byte[] NoisyPng()
    {
        var random = new Random(7);
        using var image = TestImages.Rgba(64, 64, (_, _) => new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        return TestImages.Encode(image, new PngEncoder());
    }
}
