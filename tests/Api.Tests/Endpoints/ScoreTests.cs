using System.Globalization;
using System.Net;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Autoencoder.Api.Tests.Images;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>Reconstruction error as an anomaly score: digits are usual to the digit models, clothes are not.</summary>
public sealed class ScoreTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Theory]
    [InlineData("mnist")]
    [InlineData("mnist-conv")]
    public async Task ADigitIsUsualAndAGarmentIsUnusualToADigitModel(string model)
    {
        var digit = await ScoreAsync($"/score?model={model}", TestImages.GrayPng(TestData.TestDigit(3), 28, 28));
        var garment = await ScoreAsync($"/score?model={model}", TestImages.GrayPng(TestData.FashionItem(TestData.FirstFashionItemOfClass(6)), 28, 28));

        Assert.False(digit.GetProperty("unusual").GetBoolean());
        Assert.InRange(digit.GetProperty("percentile").GetDouble(), 0, 99);
        Assert.True(garment.GetProperty("unusual").GetBoolean());
        Assert.InRange(garment.GetProperty("percentile").GetDouble(), 99, 100);
        Assert.True(garment.GetProperty("meanSquaredError").GetDouble() > garment.GetProperty("threshold").GetDouble());
        Assert.Equal(digit.GetProperty("threshold").GetDouble(), garment.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task TheDefaultThresholdIsTheValidation99thPercentileOfModelJson()
    {
        using var model = await client.GetAsync("/models/mnist");
        var percentiles = (await model.JsonAsync()).GetProperty("validationErrors").GetProperty("percentiles");

        var score = await ScoreAsync("/score", Digits.Png(0));

        Assert.Equal(percentiles[99].GetDouble(), score.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task AnIdxFileGetsAScoreForEveryImage()
    {
        const int count = 300;
        var digits = await ScoreAsync("/score", TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), count), "application/x-idx");
        var garments = await ScoreAsync("/score", TestData.IdxFile(Path.Combine(TestData.FashionMnist, "t10k-images-idx3-ubyte.gz"), count), "application/x-idx");

        foreach (var scores in new[] { digits, garments })
        {
            Assert.Equal(count, scores.GetProperty("count").GetInt32());
            Assert.Equal(count, scores.GetProperty("meanSquaredErrors").GetArrayLength());
            Assert.Equal(count, scores.GetProperty("percentiles").GetArrayLength());
            Assert.Equal(scores.GetProperty("unusual").EnumerateArray().Count(verdict => verdict.GetBoolean()), scores.GetProperty("unusualCount").GetInt32());
        }

        // About 1% of digits lie above the 99th percentile of digits; most garments do.
        Assert.InRange(digits.GetProperty("unusualCount").GetInt32(), 0, count / 20);
        Assert.InRange(garments.GetProperty("unusualCount").GetInt32(), count * 8 / 10, count);
    }

    [Fact]
    public async Task AnIdxImageScoresAsTheSameImageSentAlone()
    {
        var bulk = await ScoreAsync("/score", TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 8), "application/x-idx");
        var single = await ScoreAsync("/score", Digits.Png(7));

        Assert.Equal(single.GetProperty("meanSquaredError").GetDouble(), bulk.GetProperty("meanSquaredErrors")[7].GetDouble(), 1e-6);
        Assert.Equal(single.GetProperty("percentile").GetDouble(), bulk.GetProperty("percentiles")[7].GetDouble(), 1e-3);
    }

    [Fact]
    public async Task ReconstructReportsTheSamePercentileAsScore()
    {
        var score = await ScoreAsync("/score", Digits.Png(5));
        using var reconstruct = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(5)), "application/json");
        var json = await reconstruct.JsonAsync();

        Assert.Equal(score.GetProperty("meanSquaredError").GetDouble(), json.GetProperty("meanSquaredError").GetDouble(), 1e-9);
        Assert.Equal(score.GetProperty("percentile").GetDouble(), json.GetProperty("percentile").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("0.0000001", true)]
    [InlineData("1", false)]
    public async Task AThresholdOverridesTheDefault(string threshold, bool unusual)
    {
        var score = await ScoreAsync($"/score?threshold={threshold}", Digits.Png(0));

        Assert.Equal(double.Parse(threshold, CultureInfo.InvariantCulture), score.GetProperty("threshold").GetDouble());
        Assert.Equal(unusual, score.GetProperty("unusual").GetBoolean());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("abc")]
    public async Task AThresholdThatIsNotAFinitePositiveNumberIsRefused(string threshold)
    {
        using var response = await client.PostAsync($"/score?threshold={Uri.EscapeDataString(threshold)}", PngForm("image", Digits.Png(0)), "application/json");

        await response.AssertProblemAsync(400, "'threshold' must be a finite number above 0");
    }

    [Fact]
    public async Task WithAcceptPngAnImageGetsAHeatMapBesideItsInputAndReconstruction()
    {
        using var reconstruct = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(2)));
        var reconstruction = await reconstruct.AssertDigitPngAsync();

        using var response = await client.PostAsync("/score", PngForm("image", Digits.Png(2)), "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var heatMap = Image.Load<Rgb24>(await response.Content.ReadAsByteArrayAsync());
        const int zoom = 4, panel = 28 * zoom, gap = 4;
        Assert.Equal((3 * panel) + (2 * gap), heatMap.Width);
        Assert.Equal(panel, heatMap.Height);
        var digit = TestData.TestDigit(2);
        for (var (y, x) = (0, 0); y < 28; y += 3, x = (x + 5) % 28)
        {
            var i = (y * 28) + x;
            Assert.Equal(digit[i], heatMap[(x * zoom) + 1, (y * zoom) + 2].R);
            Assert.Equal(reconstruction[i], heatMap[panel + gap + (x * zoom), y * zoom].G);
            var error = Math.Abs(reconstruction[i] - digit[i]);
            var heat = heatMap[(2 * (panel + gap)) + (x * zoom), y * zoom];
            Assert.True(error > 8 || (heat.G == 0 && heat.B == 0), $"pixel ({x},{y}) differs by {error}/255 but shows {heat}");
        }
    }

    [Fact]
    public async Task WithAcceptPngAnIdxFileGetsAGridOfEveryImagesHeatMap()
    {
        const int count = 5, tileWidth = (3 * 112) + (2 * 4), tileHeight = 112, gap = 12;
        const int columns = 2, rows = 3; // ceil(sqrt(5 / 3)) columns, about as wide as high

        using var response = await client.PostAsync("/score", Raw(TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), count), "application/x-idx"), "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var grid = Image.Load<Rgb24>(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((columns * tileWidth) + ((columns - 1) * gap), grid.Width);
        Assert.Equal((rows * tileHeight) + ((rows - 1) * gap), grid.Height);
        for (var index = 0; index < count; index++)
        {
            using var single = await client.PostAsync("/score?preprocess=none", Raw(Digits.Png(index), "image/png"), "image/png");
            using var heatMap = Image.Load<Rgb24>(await single.Content.ReadAsByteArrayAsync());
            Assert.Equal((tileWidth, tileHeight), (heatMap.Width, heatMap.Height));
            var (left, top) = (index % columns * (tileWidth + gap), index / columns * (tileHeight + gap));
            var largest = 0;
            for (var y = 0; y < tileHeight; y++)
            {
                for (var x = 0; x < tileWidth; x++)
                {
                    var (tile, alone) = (grid[left + x, top + y], heatMap[x, y]);
                    largest = Math.Max(largest, Math.Max(Math.Abs(tile.R - alone.R), Math.Max(Math.Abs(tile.G - alone.G), Math.Abs(tile.B - alone.B))));
                }
            }

            // The grid's reconstructions run in one batch, the single image's alone: the same to float rounding.
            Assert.True(largest <= 2, $"tile {index} differs from the image's own heat map by up to {largest}/255");
        }

        // The gaps and the empty last cell stay white.
        Assert.Equal(new Rgb24(255, 255, 255), grid[tileWidth + (gap / 2), tileHeight / 2]);
        Assert.Equal(new Rgb24(255, 255, 255), grid[tileWidth / 2, tileHeight + (gap / 2)]);
        Assert.Equal(new Rgb24(255, 255, 255), grid[grid.Width - (tileWidth / 2), grid.Height - (tileHeight / 2)]);
    }

    [Fact]
    public async Task AHeatMapGridOfMoreImagesThanTheLimitIsRefusedWithTheLimit()
    {
        var idx = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 257);

        using var grid = await client.PostAsync("/score", Raw(idx, "application/x-idx"), "image/png");
        using var scores = await client.PostAsync("/score", Raw(idx, "application/x-idx"), "application/json");

        await grid.AssertProblemAsync(413, "A grid of heat maps holds at most 256 images and this IDX file has 257");
        Assert.Equal(HttpStatusCode.OK, scores.StatusCode);
        Assert.Equal(257, (await scores.JsonAsync()).GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("application/x-idx", "text/csv", "answers an IDX file as application/json or image/png, not 'text/csv'")]
    [InlineData("application/x-idx", "image/jpeg, text/*", "answers an IDX file as application/json or image/png")]
    [InlineData("image/png", "text/csv", "answers an image as image/png or application/json, not 'text/csv'")]
    public async Task AnAcceptThatAllowsNeitherFormatIsNotAcceptable(string contentType, string accept, string detail)
    {
        var body = contentType == "image/png" ? Digits.Png(0) : TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 3);

        using var response = await client.PostAsync("/score", Raw(body, contentType), accept);

        await response.AssertProblemAsync(406, detail);
    }

    [Fact]
    public async Task AnUnknownModelIsNotFound()
    {
        using var response = await client.PostAsync("/score?model=nope", PngForm("image", Digits.Png(0)), "application/json");

        await response.AssertProblemAsync(404, "There is no model 'nope'");
    }

    private async Task<System.Text.Json.JsonElement> ScoreAsync(string url, byte[] body, string contentType = "image/png")
    {
        using var response = await client.PostAsync(url, Raw(body, contentType), "application/json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }
}
