using Autoencoder.Api.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace Autoencoder.Api.Tests.Images;

public sealed class PngImagesTests
{
    [Fact]
    public void AnEncodedImageDecodesToTheQuantisedValues()
    {
        float[] pixels = [0f, 1f, 0.5f, 0.2f, -3f, 7f, float.NaN, 0.998f, 0.001f, 1f / 255f, 254.5f / 255f, 0.75f];

        var png = PngImages.Encode(pixels, 4, 3);

        var header = Image.Identify(png, out var format);
        Assert.Equal("PNG", format.Name);
        Assert.Equal((4, 3), (header.Width, header.Height));
        Assert.Equal(PngColorType.Grayscale, header.Metadata.GetPngMetadata().ColorType);
        Assert.Equal(PngBitDepth.Bit8, header.Metadata.GetPngMetadata().BitDepth);
        Assert.Equal([0, 255, 128, 51, 0, 255, 0, 254, 0, 1, 255, 191], TestImages.GrayValues(png));
    }

    [Fact]
    public void AnMnistDigitSurvivesTheRoundTripExactly()
    {
        var digit = MnistTestDigits.First(1)[0];

        var png = PngImages.Encode(digit.Select(value => value / 255f).ToArray(), MnistTestDigits.Side, MnistTestDigits.Side);

        Assert.Equal(digit, TestImages.GrayValues(png));
    }

    [Fact]
    public void AStripPutsTheFramesSideBySideWithoutGaps()
    {
        const int width = 3, height = 2;
        var frames = Enumerable.Range(0, 4)
            .Select(frame => Enumerable.Range(0, width * height).Select(i => ((frame * 10) + i) / 255f).ToArray())
            .ToArray();

        var png = PngImages.EncodeStrip(frames, width, height);

        var header = Image.Identify(png);
        Assert.Equal((width * frames.Length, height), (header.Width, header.Height));
        var strip = TestImages.GrayValues(png);
        for (var frame = 0; frame < frames.Length; frame++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    Assert.Equal((frame * 10) + (y * width) + x, strip[(y * width * frames.Length) + (frame * width) + x]);
                }
            }
        }
    }

    [Fact]
    public void PixelsThatDoNotMatchTheSizeAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PngImages.Encode(new float[10], 3, 3));
        Assert.Throws<ArgumentException>(() => PngImages.EncodeStrip([new float[9], new float[8]], 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngImages.EncodeStrip([], 3, 3));
    }
}
