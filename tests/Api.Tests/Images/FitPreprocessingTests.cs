using Autoencoder.Api.Images;
using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Images;

/// <summary>
/// The "fit" image handling, for objects that fill the frame (Fashion-MNIST): product photos as people take them,
/// dark on white and far larger than 28x28, reach the model framed as the data set's items were.
/// </summary>
public sealed class FitPreprocessingTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>, IDisposable
{
    private const byte Shirt = 6;

    private readonly HttpClient client = factory.CreateClient();
    private readonly ImageDecoder decoder = new(new ImageLimits());

    public void Dispose() => decoder.Dispose();

    [Fact]
    public void AWideObjectFillsTheWidthAndIsCentredVertically()
    {
        using var image = TestImages.Rgba(200, 100, (x, y) => x is >= 40 and < 160 && y is >= 30 and < 70 ? new Rgba32(0, 0, 0) : new Rgba32(255, 255, 255));
        using var decoded = decoder.Decode(TestImages.Encode(image, new PngEncoder()));

        var input = FitPreparation.ToModelInput(decoded, 28, 28);

        // 120x40 scaled to 28 wide is 28x9 (rounded), centred: rows 9..17 hold it, the rest is black.
        for (var y = 0; y < 28; y++)
        {
            var row = input.AsSpan(y * 28, 28).ToArray();
            Assert.True(y is >= 9 and <= 17 ? row.All(value => value > 0.9f) : row.All(value => value == 0f), $"row {y}: {string.Join(' ', row)}");
        }
    }

    [Fact]
    public void AFashionMnistItemSentAsItIsReachesTheModelUnchanged()
    {
        var item = TestData.FashionItem(0);
        using var image = decoder.Decode(TestImages.GrayPng(item, 28, 28));

        Assert.Equal(item.Select(value => value / 255f).ToArray(), FitPreparation.ToModelInput(image, 28, 28));
    }

    [Theory]
    [InlineData("jpeg on white")]
    [InlineData("jpeg on grey paper")]
    [InlineData("transparent png")]
    public async Task AProductPhotoOfAShirtComesBackAsThatShirt(string kind)
    {
        var index = TestData.FirstFashionItemOfClass(Shirt);
        var photo = ProductPhoto(TestData.FashionItem(index), kind);
        var original = await ReconstructAsync(TestImages.GrayPng(TestData.FashionItem(index), 28, 28));

        var fromPhoto = await ReconstructAsync(photo);

        // The photo's reconstruction is near the shirt's own (the fabric's shade on the paper and two resamplings
        // account for about 0.01) and closer to it than to that of any other class's first item.
        var toShirt = MeanSquaredError(fromPhoto, original);
        Assert.True(toShirt < 0.02, $"{kind}: {toShirt:F4} from the shirt's own reconstruction");
        for (byte label = 0; label < 10; label++)
        {
            if (label == Shirt)
            {
                continue;
            }

            var other = await ReconstructAsync(TestImages.GrayPng(TestData.FashionItem(TestData.FirstFashionItemOfClass(label)), 28, 28));
            Assert.True(MeanSquaredError(fromPhoto, other) > toShirt, $"{kind}: closer to class {label} than to the shirt");
        }
    }

    [Fact]
    public async Task TheSamePhotoIsFramedAsADigitForTheDigitModelAndAsAnObjectForTheFashionModel()
    {
        var photo = ProductPhoto(TestData.FashionItem(TestData.FirstFashionItemOfClass(Shirt)), "jpeg on white");

        var asDigit = await ReconstructAsync(photo, "mnist");
        var asGarment = await ReconstructAsync(photo, "fashion");

        // mnist-digit leaves a 4-pixel border around a 20x20 box; fit lets the object touch the frame.
        Assert.True(InkOutsideCentralBox(asGarment) > 5 * InkOutsideCentralBox(asDigit));
    }

    /// <summary>A 400x300 photo of the item: dark on a light background, enlarged tenfold, placed off-centre.</summary>
    private static byte[] ProductPhoto(byte[] item, string kind)
    {
        var transparent = kind == "transparent png";
        var background = kind == "jpeg on grey paper" ? new Rgba32(205, 200, 190) : new Rgba32(255, 255, 255, (byte)(transparent ? 0 : 255));
        using var picture = Image.LoadPixelData<L8>(item, 28, 28).CloneAs<Rgba32>();
        picture.Mutate(context => context.Resize(260, 260, KnownResamplers.Triangle));
        picture.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (ref var pixel in rows.GetRowSpan(y))
                {
                    // Light garment pixels on black become dark fabric on the background; black stays background.
                    var coverage = pixel.R / 255f;
                    pixel = transparent
                        ? new Rgba32(40, 40, 60, (byte)(coverage * 255))
                        : new Rgba32(Blend(background.R, 40, coverage), Blend(background.G, 40, coverage), Blend(background.B, 60, coverage));
                }
            }
        });
        using var photo = new Image<Rgba32>(400, 300, background);
        photo.Mutate(context => context.DrawImage(picture, new Point(90, 25), 1f));
        return transparent
            ? TestImages.Encode(photo, new PngEncoder { ColorType = PngColorType.RgbWithAlpha })
            : TestImages.Encode(photo.CloneAs<Rgb24>(), new JpegEncoder { Quality = 90 });
    }

    private static byte Blend(byte from, byte to, float amount) => (byte)Math.Round(from + ((to - from) * amount));

    private async Task<byte[]> ReconstructAsync(byte[] image, string model = "fashion")
    {
        var contentType = image[0] == 0xFF ? "image/jpeg" : "image/png";
        using var response = await client.PostAsync($"/reconstruct?model={model}", Raw(image, contentType));
        return await response.AssertDigitPngAsync();
    }

    private static double MeanSquaredError(byte[] first, byte[] second) => PixelValues.MeanSquaredError(first, second);

    private static int InkOutsideCentralBox(byte[] pixels) =>
        Enumerable.Range(0, 28 * 28).Count(i => pixels[i] > 64 && (i % 28 is < 4 or >= 24 || i / 28 is < 4 or >= 24));
}
