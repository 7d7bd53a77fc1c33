using System.Net;
using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests;

/// <summary>The bundled colour model, mnist-colour (coloured MNIST, 3 x 32 x 32), served through /reconstruct.</summary>
public sealed class BundledColourModelTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private const int Side = 32;

    /// <summary>t10k digits in ink and paper colours of the kinds coloured MNIST draws: light on dark and dark on light.</summary>
    public static TheoryData<int, string, string> ColouredDigits => new()
    {
        { 0, "#f0c828", "#14287a" },
        { 1, "#1e1e1e", "#9be3f5" },
        { 2, "#ff7fd0", "#203020" },
        { 3, "#3c0a64", "#e6e6a0" },
        { 4, "#e0ffe0", "#a01010" },
    };

    [Fact]
    public async Task ModelsDescribeColourPixelsAsTheyShowAndGrayOnesAsInkOnBlack()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/models");

        var polarities = (await response.JsonAsync()).EnumerateArray().ToDictionary(
            model => model.GetProperty("name").GetString()!,
            model => model.GetProperty("contract").GetProperty("polarity").GetString());
        Assert.Equal("red, green and blue as the image shows them, each 1 at full intensity", polarities["mnist-colour"]);
        Assert.Equal("white ink (1) on black (0)", polarities["mnist"]);
    }

    [Fact]
    public async Task ItsLatentMapPlacesTheColouredTestDigitsWithAColourExampleOfEach()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/models/mnist-colour/latent-map");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var map = await response.JsonAsync();
        Assert.Equal("mnist-colour test", map.GetProperty("dataset").GetString());
        Assert.Equal(10_000, map.GetProperty("fittedImages").GetInt32());
        Assert.Equal(2000, map.GetProperty("points").GetArrayLength());
        Assert.Equal(10, map.GetProperty("points").EnumerateArray().Select(point => point.GetProperty("label").GetInt32()).Distinct().Count());
        var examples = map.GetProperty("examples").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(0, 10), examples.Select(example => example.GetProperty("label").GetInt32()));
        foreach (var example in examples)
        {
            using var picture = Image.Load<Rgb24>(Convert.FromBase64String(example.GetProperty("image").GetString()!));
            Assert.Equal((Side, Side), (picture.Width, picture.Height));
            var paper = picture[0, 0];
            Assert.False(paper.R == paper.G && paper.G == paper.B, $"a gray paper {paper}: the examples are drawn in colour");
        }
    }

    [Theory]
    [MemberData(nameof(ColouredDigits))]
    public async Task AColouredDigitComesBackAsAColourPictureCloseToIt(int index, string ink, string paper)
    {
        var input = ColouredDigit(index, Colour(ink), Colour(paper));
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct?model=mnist-colour", HttpExtensions.Raw(input, "image/png"), "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(2, png[25]); // colour type 2: RGB
        var output = Planes(png);
        Assert.Equal(3 * Side * Side, output.Length);
        var error = PixelValues.MeanSquaredError(Planes(input), output);
        // The model's validation images: median 0.0032, 99th percentile 0.0090; these five measured 0.0020 to 0.0090.
        Assert.True(error < 0.015, $"t10k digit {index}, {ink} on {paper}: MSE {error:F5}");
    }

    [Fact]
    public async Task APureRedInkDigitComesBackWithRedInk()
    {
        const int index = 0;
        var input = ColouredDigit(index, new Rgb24(255, 0, 0), new Rgb24(255, 255, 255));
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct?model=mnist-colour", HttpExtensions.Raw(input, "image/png"), "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var output = Image.Load<Rgb24>(await response.Content.ReadAsByteArrayAsync());
        var digit = TestData.TestDigit(index);
        var ink = new List<Rgb24>();
        var paper = new List<Rgb24>();
        for (var y = 0; y < 28; y++)
        {
            for (var x = 0; x < 28; x++)
            {
                var value = digit[(y * 28) + x];
                if (value > 200)
                {
                    ink.Add(output[x + 2, y + 2]);
                }
                else if (value == 0)
                {
                    paper.Add(output[x + 2, y + 2]);
                }
            }
        }

        var (red, green, blue) = (ink.Average(pixel => pixel.R), ink.Average(pixel => pixel.G), ink.Average(pixel => pixel.B));
        // Measured: (240, 68, 56).
        Assert.True(red > 200 && green < 100 && blue < 100, $"ink came back as ({red:F0}, {green:F0}, {blue:F0})");
        Assert.True(paper.Average(pixel => Math.Min(pixel.R, Math.Min(pixel.G, pixel.B))) > 200, "the white paper stays white");
    }

    /// <summary>A t10k digit in colour as colour-dataset draws one: paper blended towards ink by the gray value, centred on 32x32 of paper.</summary>
    private static byte[] ColouredDigit(int index, Rgb24 ink, Rgb24 paper)
    {
        var digit = TestData.TestDigit(index);
        using var image = new Image<Rgb24>(Side, Side, paper);
        for (var y = 0; y < 28; y++)
        {
            for (var x = 0; x < 28; x++)
            {
                var value = digit[(y * 28) + x];
                image[x + 2, y + 2] = new Rgb24(Blend(paper.R, ink.R, value), Blend(paper.G, ink.G, value), Blend(paper.B, ink.B, value));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static byte Blend(byte paper, byte ink, byte value) => (byte)(((paper * (255 - value)) + (ink * value) + 127) / 255);

    private static Rgb24 Colour(string hex) => Color.ParseHex(hex).ToPixel<Rgb24>();

    /// <summary>A PNG's pixels as the model's [0,1] planes: red, green, blue.</summary>
    private static float[] Planes(byte[] png)
    {
        using var image = Image.Load<Rgb24>(png);
        var plane = image.Width * image.Height;
        var planes = new float[3 * plane];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var pixel = image[x, y];
                var at = (y * image.Width) + x;
                (planes[at], planes[plane + at], planes[(2 * plane) + at]) = (PixelValues.ToUnit(pixel.R), PixelValues.ToUnit(pixel.G), PixelValues.ToUnit(pixel.B));
            }
        }

        return planes;
    }
}
