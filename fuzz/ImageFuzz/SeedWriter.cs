using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Fuzz.Images;

/// <summary>
/// Writes the fuzzer's starting inputs: real MNIST test digits as the clients send them (8-bit
/// grayscale PNGs) and the same digits in the other encodings the decoder accepts, so that
/// afl-fuzz starts with every PNG colour type and JPEG layout already covered.
/// </summary>
/// <remarks>
/// Seeds are kept to a few hundred bytes each: afl-fuzz mutates small inputs far faster, and
/// every seed is re-run at every start.
/// </remarks>
internal static class SeedWriter
{
    private const int IdxImagesMagic = 0x0803;
    private const int IdxHeaderBytes = 16;
    private const int PlainDigitCount = 6;

    /// <summary>Reads the first digits of a gzip IDX image file and writes the seeds into <paramref name="outputDirectory"/>.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(string mnistImagesGz, string outputDirectory)
    {
        var digits = ReadDigits(mnistImagesGz, PlainDigitCount + 1);
        Directory.CreateDirectory(outputDirectory);
        var written = new List<string>();

        void Save(string name, Image image, IImageEncoder encoder)
        {
            var path = Path.Combine(outputDirectory, name);
            image.Save(path, encoder);
            written.Add(path);
        }

        for (var i = 0; i < PlainDigitCount; i++)
        {
            Save($"mnist-{i}-gray8.png", digits[i], new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        }

        // The variants all start from one digit, so they differ in encoding only.
        var source = digits[PlainDigitCount];
        using (var gray = source.Clone())
        {
            Save("gray1.png", gray, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit1 });
            Save("gray16.png", gray, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 });
            Save("palette.png", gray, new PngEncoder { ColorType = PngColorType.Palette });
            Save("gray.jpg", gray, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 90 });
        }

        using (var rgba = InkOnTransparentCanvas(source))
        {
            Save("rgba-ink-on-transparent.png", rgba, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
            Save("gray-alpha.png", rgba, new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha });
        }

        // Dark ink on light paper, larger than the model's input: what a photo of a written digit looks like.
        using (var paper = source.CloneAs<Rgb24>())
        {
            paper.Mutate(context => context.Invert().Resize(source.Width * 2, source.Height * 2));
            Save("paper-56-rgb.png", paper, new PngEncoder { ColorType = PngColorType.Rgb });
            Save("paper-56-420.jpg", paper, new JpegEncoder { ColorType = JpegColorType.YCbCrRatio420, Quality = 75 });
            Save("paper-56-444.jpg", paper, new JpegEncoder { ColorType = JpegColorType.YCbCrRatio444, Quality = 90 });

            // Stored sideways with an EXIF orientation, as phones do.
            paper.Metadata.ExifProfile = new ExifProfile();
            paper.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            Save("paper-56-exif-rotated.jpg", paper, new JpegEncoder { ColorType = JpegColorType.YCbCrRatio420, Quality = 75 });
        }

        // A photo large enough that the preprocessing has it decoded at half scale, taller than wide and stored
        // sideways: Skia's scaled JPEG decode and the EXIF turn, with sides that show which way it turned.
        using (var photo = source.CloneAs<Rgb24>())
        {
            photo.Mutate(context => context.Invert().Resize(448, 480));
            photo.Metadata.ExifProfile = new ExifProfile();
            photo.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            Save("photo-448x480-exif-rotated.jpg", photo, new JpegEncoder { ColorType = JpegColorType.YCbCrRatio420, Quality = 50 });
        }

        foreach (var digit in digits)
        {
            digit.Dispose();
        }

        return written;
    }

    private static Image<Rgba32> InkOnTransparentCanvas(Image<L8> digit)
    {
        var image = new Image<Rgba32>(digit.Width, digit.Height);
        for (var y = 0; y < digit.Height; y++)
        {
            for (var x = 0; x < digit.Width; x++)
            {
                image[x, y] = new Rgba32(0, 0, 0, digit[x, y].PackedValue);
            }
        }

        return image;
    }

    private static List<Image<L8>> ReadDigits(string mnistImagesGz, int count)
    {
        using var file = File.OpenRead(mnistImagesGz);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        var header = new byte[IdxHeaderBytes];
        gzip.ReadExactly(header);

        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        var imageCount = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (magic != IdxImagesMagic || imageCount < count || rows <= 0 || columns <= 0)
        {
            throw new InvalidDataException(
                $"{mnistImagesGz} is not a gzip IDX image file with at least {count} images (magic 0x{magic:X}, {imageCount} images of {rows}x{columns}).");
        }

        var digits = new List<Image<L8>>(count);
        var pixels = new byte[rows * columns];
        for (var i = 0; i < count; i++)
        {
            gzip.ReadExactly(pixels);
            digits.Add(Image.LoadPixelData<L8>(pixels, columns, rows));
        }

        return digits;
    }
}
