using Autoencoder.Api.Images;
using Autoencoder.Api.Tests.Hardening;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Api.Tests.Images;

/// <summary>JPEGs as phones store them: large, and often sideways with an EXIF orientation.</summary>
public sealed class JpegDecodingTests : IDisposable
{
    // The four quadrants of the upright picture, each its own gray, so every mirror and turn is told apart.
    private const byte TopLeft = 0, TopRight = 85, BottomLeft = 170, BottomRight = 255;

    private static readonly Size MnistUseful = DigitPreparation.SmallestUsefulSource(28, 28);

    private readonly ImageDecoder decoder = new(new ImageLimits());

    public void Dispose() => decoder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void EachExifOrientationIsTurnedUpright(ushort orientation)
    {
        using var upright = Quadrants(48, 32);
        using var stored = upright.Clone(context => StoreAs(context, orientation));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);

        // The stored photo is what a camera writes for this orientation: ImageSharp's own reading of the tag (which
        // the service never uses) turns it back into the upright picture.
        using (var checkedByImageSharp = stored.Clone(context => context.AutoOrient()))
        {
            Assert.Equal((48, 32), (checkedByImageSharp.Width, checkedByImageSharp.Height));
            Assert.Equal(TopRight, checkedByImageSharp[40, 4].R);
            Assert.Equal(BottomLeft, checkedByImageSharp[4, 28].R);
        }

        using var decoded = decoder.Decode(TestImages.Encode(stored, new JpegEncoder { Quality = 95, ColorType = JpegColorType.Luminance }));

        Assert.Equal((48, 32), (decoded.Width, decoded.Height));
        Assert.Equal(
            [TopLeft, TopRight, BottomLeft, BottomRight],
            new[] { decoded[12, 8], decoded[36, 8], decoded[12, 24], decoded[36, 24] }.Select(pixel => Nearest(pixel.R)));
    }

    [Theory]
    [InlineData(4032, 3024, 8, 504, 378)]
    [InlineData(3024, 4032, 8, 378, 504)]
    [InlineData(2048, 1536, 4, 512, 384)]
    [InlineData(600, 450, 2, 300, 225)]
    [InlineData(400, 360, 1, 400, 360)]
    public void ALargeJpegIsDecodedAtTheSmallestScaleThePreprocessingCanUse(int width, int height, int denominator, int decodedWidth, int decodedHeight)
    {
        // Dark ink (a block) on light paper, where it would be in the photo.
        using var photo = TestImages.Rgba(width, height, (x, y) =>
            x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2 ? new Rgba32(30, 30, 30) : new Rgba32(220, 215, 205));
        var bytes = TestImages.Encode(photo, new JpegEncoder { Quality = 90 });

        var inspected = decoder.Inspect(bytes, MnistUseful);

        Assert.Equal(denominator, inspected.ScaleDenominator);
        Assert.Equal((long)decodedWidth * decodedHeight, inspected.PixelsToReserve);
        using var decoded = decoder.Load(inspected);
        Assert.Equal((decodedWidth, decodedHeight), (decoded.Width, decoded.Height));
        Assert.InRange(decoded[(decodedWidth * 3) / 8, (decodedHeight * 3) / 8].R, 20, 40);
        Assert.InRange(decoded[(decodedWidth * 3) / 4, (decodedHeight * 3) / 4].R, 210, 230);
    }

    [Fact]
    public void WithoutASizeToKeepAJpegIsDecodedWhole()
    {
        using var photo = TestImages.Rgba(1200, 900, (_, _) => new Rgba32(200, 200, 200));
        var inspected = decoder.Inspect(TestImages.Encode(photo, new JpegEncoder { Quality = 90 }));

        Assert.Equal(1, inspected.ScaleDenominator);
        using var decoded = decoder.Load(inspected);
        Assert.Equal((1200, 900), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void AProgressiveJpegReservesItsWholeSizeHoweverSmallItIsDecoded()
    {
        // A progressive decoder keeps every coefficient of the image until its last scan.
        var inspected = decoder.Inspect(HostilePayloads.ProgressiveJpeg(1024, acScans: 1), MnistUseful);

        Assert.Equal(4, inspected.ScaleDenominator);
        Assert.Equal(256L * 256, inspected.DecodedPixels);
        Assert.Equal(1024L * 1024, inspected.PixelsToReserve);
        using var decoded = decoder.Load(inspected);
        Assert.Equal((256, 256), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void APngIsAlwaysDecodedWhole()
    {
        using var image = TestImages.Rgba(2048, 1536, (_, _) => new Rgba32(200, 200, 200));
        var inspected = decoder.Inspect(TestImages.Encode(image, new SixLabors.ImageSharp.Formats.Png.PngEncoder()), MnistUseful);

        Assert.Equal(1, inspected.ScaleDenominator);
        Assert.Equal(2048L * 1536, inspected.PixelsToReserve);
    }

    private static Image<Rgba32> Quadrants(int width, int height) => TestImages.Rgba(width, height, (x, y) =>
    {
        var gray = (x < width / 2, y < height / 2) switch
        {
            (true, true) => TopLeft,
            (false, true) => TopRight,
            (true, false) => BottomLeft,
            _ => BottomRight,
        };
        return new Rgba32(gray, gray, gray);
    });

    /// <summary>
    /// Turns the upright picture into what a camera stores with this EXIF orientation, from the specification's words:
    /// the stored picture, shown as the value says, is the upright one.
    /// </summary>
    private static void StoreAs(IImageProcessingContext context, ushort orientation)
    {
        switch (orientation)
        {
            case 2: context.Flip(FlipMode.Horizontal); break;          // mirrored: shown mirrored back
            case 3: context.Rotate(RotateMode.Rotate180); break;        // upside down
            case 4: context.Flip(FlipMode.Vertical); break;             // mirrored top to bottom
            case 5: context.Rotate(RotateMode.Rotate90).Flip(FlipMode.Horizontal); break; // transposed
            case 6: context.Rotate(RotateMode.Rotate270); break;        // shown turned 90 degrees clockwise
            case 7: context.Rotate(RotateMode.Rotate90).Flip(FlipMode.Vertical); break;   // transversed
            case 8: context.Rotate(RotateMode.Rotate90); break;         // shown turned 90 degrees anticlockwise
        }
    }

    private static byte Nearest(byte gray) => new[] { TopLeft, TopRight, BottomLeft, BottomRight }.MinBy(level => Math.Abs(level - gray));
}
