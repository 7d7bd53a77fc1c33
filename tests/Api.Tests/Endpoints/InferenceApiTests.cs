using System.Net;
using System.Net.Http.Json;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class InferenceApiTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task EncodeGivesTheModelsLatentForAnUploadedDigit()
    {
        using var response = await client.PostAsync("/encode", PngForm("image", Digits.Png(0)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        Assert.Equal("mnist", body.GetProperty("model").GetString());
        using var onnx = new DirectOnnx();
        Assert.Equal(onnx.Encode(Digits.ModelInput(0)), body.GetProperty("latent").Floats());
    }

    [Fact]
    public async Task EncodeTakesARawPngBodyToo()
    {
        using var multipart = await client.PostAsync("/encode", PngForm("image", Digits.Png(3)));
        using var raw = await client.PostAsync("/encode", Raw(Digits.Png(3), "image/png"));

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal((await multipart.JsonAsync()).GetProperty("latent").Floats(), (await raw.JsonAsync()).GetProperty("latent").Floats());
    }

    [Fact]
    public async Task DecodeGivesA28x28PngOrThePixelsAsJson()
    {
        using var onnx = new DirectOnnx();
        var latent = onnx.Encode(Digits.ModelInput(1));

        using var png = await client.PostAsJsonAsync("/decode", new { latent });
        using var json = await client.PostAsync("/decode", JsonContent.Create(new { latent }), "application/json");

        var pixels = await png.AssertDigitPngAsync();
        var expected = onnx.Decode(latent);
        Assert.Equal(expected.Select(Quantise), pixels);

        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        var body = await json.JsonAsync();
        Assert.Equal(28, body.GetProperty("width").GetInt32());
        Assert.Equal(expected, body.GetProperty("pixels").Floats());
    }

    [Fact]
    public async Task ReconstructOfAnMnistDigitEqualsTheOnnxModelsOwnOutput()
    {
        using var onnx = new DirectOnnx();
        for (var index = 0; index < 20; index++)
        {
            using var response = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(index)), "application/json");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            var input = Digits.ModelInput(index);
            var latent = onnx.Encode(input);
            var output = onnx.Decode(latent);
            Assert.Equal(latent, body.GetProperty("latent").Floats());
            Assert.Equal(output.Select(Quantise), Digits.Decode(Convert.FromBase64String(body.GetProperty("image").GetString()!)).Pixels);
            Assert.Equal(input.Zip(output, (a, b) => (double)(a - b) * (a - b)).Average(), body.GetProperty("meanSquaredError").GetDouble(), 6);
            Assert.Equal(TestData.TestDigit(index), Digits.Decode(Convert.FromBase64String(body.GetProperty("input").GetString()!)).Pixels);
        }
    }

    [Fact]
    public async Task ReconstructJsonShowsTheInputAsTheModelSawItAfterPreprocessing()
    {
        // A large dark-on-light "photo" of a digit reaches the model as a centred 28x28 white-on-black digit.
        using var response = await client.PostAsync("/reconstruct", PngForm("image", Digits.UpscaledInvertedPng(3, scale: 6)), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (width, height, pixels) = Digits.Decode(Convert.FromBase64String((await response.JsonAsync()).GetProperty("input").GetString()!));
        Assert.Equal((28, 28), (width, height));
        Assert.Equal(0, pixels[0]);
        Assert.True(pixels.Count(value => value > 128) > 40, "the digit's ink is bright in the model's input");
    }

    [Fact]
    public async Task ReconstructAnswersWithAPngByDefault()
    {
        using var response = await client.PostAsync("/reconstruct", Raw(Digits.Png(2), "image/png"));

        await response.AssertDigitPngAsync();
    }

    [Fact]
    public async Task AnUpscaledInvertedPhotoOfADigitReconstructsLikeTheDigitItself()
    {
        foreach (var index in new[] { 0, 1, 2, 3, 4 })
        {
            using var original = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(index)));
            using var photo = await client.PostAsync("/reconstruct", PngForm("image", Digits.UpscaledInvertedPng(index, scale: 6)));

            var expected = Digits.Decode(await original.Content.ReadAsByteArrayAsync()).Pixels;
            var actual = Digits.Decode(await photo.Content.ReadAsByteArrayAsync()).Pixels;
            var meanAbsoluteDifference = expected.Zip(actual, (a, b) => Math.Abs(a - b) / 255.0).Average();
            Assert.True(meanAbsoluteDifference < 0.06, $"digit {index}: mean absolute difference {meanAbsoluteDifference:F3}");
        }
    }

    [Fact]
    public async Task PreprocessNoneRefusesAnImageOfTheWrongSize()
    {
        using var response = await client.PostAsync("/reconstruct?preprocess=none", PngForm("image", Digits.UpscaledInvertedPng(0, 2)));

        await response.AssertProblemAsync(400, "28x28");
    }

    [Fact]
    public async Task InterpolateGivesAStripOfBothOriginalsAndTheBlends()
    {
        using var response = await client.PostAsync(
            "/interpolate?steps=6", Form(("first", Digits.Png(0), "image/png"), ("second", Digits.Png(1), "image/png")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var (width, height, pixels) = Digits.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((8 * 28, 28), (width, height));
        Assert.Equal(TestData.TestDigit(0), Column(pixels, width, 0));
        Assert.Equal(TestData.TestDigit(1), Column(pixels, width, 7));
    }

    [Fact]
    public async Task InterpolateAsJsonGivesEvenWeightsLatentsAndFrames()
    {
        using var response = await client.PostAsync(
            "/interpolate?steps=6", Form(("first", Digits.Png(0), "image/png"), ("second", Digits.Png(1), "image/png")), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        var weights = body.GetProperty("weights").Floats();
        Assert.Equal(Enumerable.Range(1, 6).Select(i => i / 7f), weights);
        using var onnx = new DirectOnnx();
        var first = onnx.Encode(Digits.ModelInput(0));
        var second = onnx.Encode(Digits.ModelInput(1));
        var latents = body.GetProperty("latents").EnumerateArray().Select(latent => latent.Floats()).ToArray();
        var frames = body.GetProperty("frames").EnumerateArray().Select(frame => Digits.Decode(Convert.FromBase64String(frame.GetString()!)).Pixels).ToArray();
        Assert.Equal(6, latents.Length);
        for (var step = 0; step < 6; step++)
        {
            var blend = first.Zip(second, (a, b) => ((1 - weights[step]) * a) + (weights[step] * b)).ToArray();
            Assert.Equal(blend, latents[step]);
            Assert.Equal(onnx.Decode(blend).Select(Quantise), frames[step]);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("65")]
    [InlineData("abc")]
    public async Task StepsOutsideOneTo64IsABadRequestThatSaysTheRange(string steps)
    {
        using var response = await client.PostAsync(
            $"/interpolate?steps={steps}", Form(("first", Digits.Png(0), "image/png"), ("second", Digits.Png(1), "image/png")));

        await response.AssertProblemAsync(400, "from 1 to 64");
    }

    [Fact]
    public async Task EveryInferenceEndpointTakesAModelByName()
    {
        using var known = await client.PostAsync("/reconstruct?model=mnist", PngForm("image", Digits.Png(0)));
        using var unknown = await client.PostAsync("/reconstruct?model=cifar", PngForm("image", Digits.Png(0)));
        using var decode = await client.PostAsJsonAsync("/decode?model=cifar", new { latent = new float[20] });

        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        await unknown.AssertProblemAsync(404, "There is no model 'cifar'");
        await decode.AssertProblemAsync(404, "There is no model 'cifar'");
    }

    private static byte Quantise(float value) => PixelValues.ToByte(value);

    private static byte[] Column(byte[] strip, int width, int frame)
    {
        var pixels = new byte[28 * 28];
        for (var y = 0; y < 28; y++)
        {
            Array.Copy(strip, (y * width) + (frame * 28), pixels, y * 28, 28);
        }

        return pixels;
    }
}
