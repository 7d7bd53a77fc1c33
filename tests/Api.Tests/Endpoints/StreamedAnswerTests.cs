using System.Net;
using System.Text.Json;
using Autoencoder.Api.Images;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// The bulk answers that are written as they are made, a window of 1,024 images at a time: what they give must not
/// depend on where the windows split the images, and must be what the same images give whole.
/// </summary>
public sealed class StreamedAnswerTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private const string Idx = "application/x-idx";
    private const string Json = "application/json";
    private const string Png = "image/png";

    /// <summary>More than two windows, and not a whole number of them.</summary>
    private const int ManyImages = 2_500;

    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task GeneratedImagesDoNotDependOnHowManyAreAskedFor()
    {
        var many = ImagesOf(await GenerateAsync($"/generate?count={ManyImages}&seed=21", Idx));
        var few = ImagesOf(await GenerateAsync("/generate?count=5&seed=21", Idx));

        Assert.Equal(ManyImages, many.Length);
        Assert.Equal(few, many[..5]);

        // Codes from the third window are still the prior's, not a restart of the first window's.
        Assert.NotEqual(many[0], many[2 * 1024]);
    }

    [Fact]
    public async Task AGeneratedGridIsTheGridOfTheGeneratedImages()
    {
        var images = ImagesOf(await GenerateAsync($"/generate?count={ManyImages}&seed=4", Idx));
        var png = await GenerateAsync($"/generate?count={ManyImages}&seed=4", Png);

        // 2,500 images in 50 columns: 50 full rows. 1,100 in 34 columns: 33 rows, the last 22 cells black.
        AssertGrid(images, png, columns: 50);
        var fewer = ImagesOf(await GenerateAsync("/generate?count=1100&seed=4", Idx));
        AssertGrid(fewer, await GenerateAsync("/generate?count=1100&seed=4", Png), columns: 34);
    }

    [Fact]
    public async Task GeneratedJsonHoldsEveryCodeAndItsImage()
    {
        var images = ImagesOf(await GenerateAsync($"/generate?count={ManyImages}&seed=8", Idx));
        using var document = JsonDocument.Parse(await GenerateAsync($"/generate?count={ManyImages}&seed=8", Json));
        var root = document.RootElement;

        Assert.Equal(8, root.GetProperty("seed").GetInt32());
        Assert.Equal(ManyImages, root.GetProperty("count").GetInt32());
        Assert.Equal(ManyImages, root.GetProperty("latents").GetArrayLength());
        Assert.All(root.GetProperty("latents").EnumerateArray(), latent => Assert.Equal(20, latent.GetArrayLength()));
        var pngs = root.GetProperty("images").EnumerateArray().Select(image => image.GetBytesFromBase64()).ToArray();
        Assert.Equal(ManyImages, pngs.Length);
        foreach (var index in new[] { 0, 1023, 1024, ManyImages - 1 })
        {
            Assert.Equal(images[index], Digits.Decode(pngs[index]).Pixels);
        }

        // The last code decodes, by itself, to the last image.
        var last = root.GetProperty("latents")[ManyImages - 1].Floats();
        using var decoded = await client.PostAsync("/decode", new StringContent(JsonSerializer.Serialize(new { latent = last }), null, Json), Png);
        Assert.Equal(images[^1], Digits.Decode(await decoded.Content.ReadAsByteArrayAsync()).Pixels);
    }

    [Fact]
    public async Task ManyLatentsDecodeAlikeInEveryFormat()
    {
        var latents = Enumerable.Range(0, ManyImages).Select(i => Enumerable.Range(0, 20).Select(j => MathF.Sin(i + (j * 0.7f)) * 2).ToArray()).ToArray();
        var body = JsonSerializer.Serialize(latents);

        var idx = ImagesOf(await DecodeAsync(body, Idx));
        var png = await DecodeAsync(body, Png);
        using var json = JsonDocument.Parse(await DecodeAsync(body, Json));

        Assert.Equal(ManyImages, idx.Length);
        AssertGrid(idx, png, columns: 50);
        var pixels = json.RootElement.GetProperty("images").EnumerateArray().Select(image => image.Floats()).ToArray();
        Assert.Equal(ManyImages, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(ManyImages, pixels.Length);
        foreach (var index in new[] { 0, 1500, ManyImages - 1 })
        {
            Assert.Equal(idx[index], PixelValues.ToBytes(pixels[index]));
        }
    }

    [Fact]
    public async Task DenoisingAFileGivesEachImageWhatItGetsInASmallerFile()
    {
        var file = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), ManyImages);
        var first = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 3);

        var all = ImagesOf(await DenoiseAsync(file));
        var some = ImagesOf(await DenoiseAsync(first));

        Assert.Equal(ManyImages, all.Length);
        Assert.Equal(some, all[..3]);
    }

    /// <summary>
    /// The request time limit would cut a large answer off midway (a 200 with half a body); once an answer streams, it
    /// no longer applies.
    /// </summary>
    [Fact]
    public async Task AStreamedAnswerLongerThanTheRequestTimeLimitArrivesWhole()
    {
        using var limited = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:RequestTimeoutSeconds"] = "1" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate?model=mnist-conv&count=20000&seed=3");
        request.Headers.Accept.ParseAdd(Idx);
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var response = await limited.CreateClient().SendAsync(request);
        var images = ImagesOf(await OkBytesAsync(response, Idx));

        Assert.Equal(20_000, images.Length);
        Assert.True(started.Elapsed > TimeSpan.FromSeconds(1), $"the answer took {started.Elapsed}, within the limit: the test shows nothing");
    }

    private static void AssertGrid(byte[][] images, byte[] png, int columns)
    {
        var (width, height, pixels) = Digits.Decode(png);
        var rows = (images.Length + columns - 1) / columns;
        Assert.Equal((columns * 28, rows * 28), (width, height));
        for (var cell = 0; cell < rows * columns; cell++)
        {
            var (row, column) = Math.DivRem(cell, columns);
            var expected = cell < images.Length ? images[cell] : new byte[28 * 28];
            for (var y = 0; y < 28; y++)
            {
                Assert.Equal(expected.AsSpan(y * 28, 28), pixels.AsSpan((((row * 28) + y) * width) + (column * 28), 28));
            }
        }
    }

    private static byte[][] ImagesOf(byte[] idx)
    {
        var (header, pixels) = Autoencoder.Core.Idx.ReadImages(idx);
        return [.. Enumerable.Range(0, header.Count).Select(i => pixels.AsSpan(i * header.PixelsPerImage, header.PixelsPerImage).ToArray())];
    }

    private async Task<byte[]> GenerateAsync(string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request);
        return await OkBytesAsync(response, accept);
    }

    private async Task<byte[]> DecodeAsync(string latents, string accept)
    {
        using var response = await client.PostAsync("/decode", new StringContent(latents, null, Json), accept);
        return await OkBytesAsync(response, accept);
    }

    private async Task<byte[]> DenoiseAsync(byte[] idx)
    {
        using var response = await client.PostAsync("/denoise?noise=gaussian:0.3&seed=5", Raw(idx, Idx), Idx);
        return await OkBytesAsync(response, Idx);
    }

    private static async Task<byte[]> OkBytesAsync(HttpResponseMessage response, string mediaType)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
