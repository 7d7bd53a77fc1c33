using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// Model folders made from the bundled ones, some marked as denoisers in their model.json: no denoiser is bundled,
/// and /denoise serves any model the same way, so a copy with "noise" set is one as far as the service can tell.
/// </summary>
public sealed class DenoiserModelsFactory : CopiedModelsFactory
{
    /// <summary>The default model's data set's denoiser: mnist-conv's files, marked as trained for gaussian noise.</summary>
    public const string MnistDenoiser = "mnist-denoise";

    /// <summary>A denoiser of another data set that sorts first, so choosing by data set is what picks <see cref="MnistDenoiser"/>.</summary>
    public const string FashionDenoiser = "a-fashion-denoise";

    public DenoiserModelsFactory()
        : this(("mnist", "mnist", null), ("mnist-conv", MnistDenoiser, "gaussian:0-0.5"), ("fashion", FashionDenoiser, "salt-pepper:0.1"))
    {
    }

    private DenoiserModelsFactory(params (string Bundled, string Name, string? Noise)[] models)
        : base([.. models.Select(model => new CopiedModel(model.Bundled, model.Name, MarkDenoiser(model.Noise)))])
    {
    }

    /// <summary>A service over copies of bundled models (folder, name), those with a noise marked as denoisers.</summary>
    public static DenoiserModelsFactory With(params (string Bundled, string Name, string? Noise)[] models) => new(models);

    /// <summary>Marks a copy as trained for <paramref name="noise"/>; null leaves its model.json as it is.</summary>
    private static Action<JsonNode>? MarkDenoiser(string? noise) =>
        noise is null ? null : manifest => manifest["noise"] = new JsonArray(noise);
}

public sealed class DenoiseTests(DenoiserModelsFactory factory) : IClassFixture<DenoiserModelsFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ADigitComesBackAsTheDenoisersOutputAsAPngOfTheModelsSize()
    {
        using var response = await client.PostAsync("/denoise", Raw(Digits.Png(4), "image/png"));

        var pixels = await response.AssertDigitPngAsync();
        Assert.False(response.Headers.Contains("Noise-Seed"));
        using var onnx = new DirectOnnx("mnist-conv");
        AssertWithinOneLevel(onnx.Decode(onnx.Encode(Digits.ModelInput(4))), pixels);
    }

    [Fact]
    public async Task WithoutModelTheDenoiserOfTheDefaultModelsDataSetIsChosen()
    {
        using var response = await client.PostAsync("/denoise", PngForm("image", Digits.Png(0)), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DenoiserModelsFactory.MnistDenoiser, (await response.JsonAsync()).GetProperty("model").GetString());
    }

    [Fact]
    public async Task ModelsListsTheNoiseADenoiserWasTrainedFor()
    {
        var denoiser = await client.GetFromJsonAsync<JsonElement>("/models/" + DenoiserModelsFactory.MnistDenoiser);
        var plain = await client.GetFromJsonAsync<JsonElement>("/models/mnist");

        Assert.Equal(["gaussian:0-0.5"], denoiser.GetProperty("noise").EnumerateArray().Select(noise => noise.GetString()));
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("noise").ValueKind);
    }

    [Fact]
    public async Task AnyModelMayBeNamedAndAPlainAutoencoderReconstructs()
    {
        using var response = await client.PostAsync("/denoise?model=mnist", PngForm("image", Digits.Png(2)));

        var pixels = await response.AssertDigitPngAsync();
        using var onnx = new DirectOnnx("mnist");
        AssertWithinOneLevel(onnx.Decode(onnx.Encode(Digits.ModelInput(2))), pixels);
    }

    [Fact]
    public async Task JsonCarriesTheModelsInputAndOutputAndNoNoiseFieldsWithoutNoise()
    {
        using var response = await client.PostAsync("/denoise", PngForm("image", Digits.Png(1)), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        Assert.Equal(TestData.TestDigit(1), PngPixels(body, "input"));
        using var onnx = new DirectOnnx("mnist-conv");
        AssertWithinOneLevel(onnx.Decode(onnx.Encode(Digits.ModelInput(1))), PngPixels(body, "image"));
        foreach (var field in new[] { "noise", "seed", "noisy", "noisyPsnr", "denoisedPsnr" })
        {
            Assert.Equal(JsonValueKind.Null, body.GetProperty(field).ValueKind);
        }
    }

    [Fact]
    public async Task AddedNoiseIsReturnedWithPsnrsThatMatchTheImagesAndTheModelDenoisedExactlyTheNoisyImage()
    {
        using var response = await client.PostAsync("/denoise?noise=gaussian:0.3&seed=7", PngForm("image", Digits.Png(3)), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Noise-Seed").Single());
        var body = await response.JsonAsync();
        Assert.Equal("gaussian:0.3", body.GetProperty("noise").GetString());
        Assert.Equal(7, body.GetProperty("seed").GetInt32());

        var clean = PngPixels(body, "input");
        var noisy = PngPixels(body, "noisy");
        var denoised = PngPixels(body, "image");
        Assert.Equal(TestData.TestDigit(3), clean);
        Assert.NotEqual(clean, noisy);

        // The noisy image is sent as the 8 bits the model was given, so its PSNR agrees to float precision; the
        // denoised one is measured on the model's float output, which its PNG rounds.
        Assert.Equal(Psnr(clean, noisy), body.GetProperty("noisyPsnr").GetDouble(), 5);
        Assert.Equal(Psnr(clean, denoised), body.GetProperty("denoisedPsnr").GetDouble(), 1);

        using var onnx = new DirectOnnx("mnist-conv");
        AssertWithinOneLevel(onnx.Decode(onnx.Encode(PixelValues.ToUnit(noisy))), denoised);
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameBytesAndAnotherSeedOtherBytes()
    {
        async Task<byte[]> DenoiseAsync(string query, string accept)
        {
            using var response = await client.PostAsync("/denoise?" + query, PngForm("image", Digits.Png(5)), accept);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsByteArrayAsync();
        }

        foreach (var accept in new[] { "image/png", "application/json" })
        {
            var first = await DenoiseAsync("noise=salt-pepper:0-0.3&seed=11", accept);
            Assert.Equal(first, await DenoiseAsync("noise=salt-pepper:0-0.3&seed=11", accept));
            Assert.NotEqual(first, await DenoiseAsync("noise=salt-pepper:0-0.3&seed=12", accept));
        }
    }

    [Fact]
    public async Task WithoutASeedARandomOneIsChosenAndReportedSoItCanBeRepeated()
    {
        using var random = await client.PostAsync("/denoise?noise=mask:0.4", PngForm("image", Digits.Png(6)), "application/json");
        var seed = random.Headers.GetValues("Noise-Seed").Single();
        var body = await random.JsonAsync();
        Assert.Equal(int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("seed").GetInt32());

        using var repeated = await client.PostAsync($"/denoise?noise=mask:0.4&seed={seed}", PngForm("image", Digits.Png(6)), "application/json");

        Assert.Equal(await random.Content.ReadAsByteArrayAsync(), await repeated.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("noise=gaussian", "noise 'gaussian' is not KIND:LEVEL or KIND:MIN-MAX with KIND one of gaussian, salt-pepper, mask")]
    [InlineData("noise=blur:0.3", "noise 'blur:0.3' is not KIND:LEVEL")]
    [InlineData("noise=gaussian:2", "levels must satisfy 0 <= MIN <= MAX <= 1")]
    [InlineData("noise=gaussian:0.5-0.1", "levels must satisfy 0 <= MIN <= MAX <= 1")]
    [InlineData("noise=gaussian:abc", "the level must be a number")]
    [InlineData("noise=gaussian:0.3&seed=abc", "'seed' must be a whole number from -2147483648 to 2147483647, not 'abc'")]
    [InlineData("noise=gaussian:0.3&seed=1.5", "'seed' must be a whole number")]
    [InlineData("noise=gaussian:0.3&seed=99999999999", "'seed' must be a whole number")]
    [InlineData("seed=7", "send ?noise= too")]
    public async Task BadNoiseOrSeedIsABadRequestThatSaysWhatIsWrong(string query, string detail)
    {
        using var response = await client.PostAsync("/denoise?" + query, PngForm("image", Digits.Png(0)));

        await response.AssertProblemAsync(400, detail);
    }

    [Fact]
    public async Task AnIdxFileComesBackAsAnIdxFileOfEveryImageDenoised()
    {
        const int Count = 5;
        var file = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), Count);

        using var response = await client.PostAsync("/denoise", Raw(file, "application/x-idx"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-idx", response.Content.Headers.ContentType?.MediaType);
        var (header, pixels) = Idx.ReadImages(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((Count, 28, 28), (header.Count, header.Rows, header.Columns));
        using var onnx = new DirectOnnx("mnist-conv");
        for (var i = 0; i < Count; i++)
        {
            AssertWithinOneLevel(onnx.Decode(onnx.Encode(Digits.ModelInput(i))), pixels.AsSpan(i * 784, 784).ToArray());
        }
    }

    [Fact]
    public async Task AnIdxFilesFirstImageGetsTheNoiseThatImageGetsAlone()
    {
        var file = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 3);
        const string Query = "/denoise?noise=gaussian:0.2-0.4&seed=3&preprocess=none";

        using var bulk = await client.PostAsync(Query, Raw(file, "application/x-idx"));
        using var single = await client.PostAsync(Query, Raw(Digits.Png(0), "image/png"));

        Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
        Assert.Equal("3", bulk.Headers.GetValues("Noise-Seed").Single());
        var (_, pixels) = Idx.ReadImages(await bulk.Content.ReadAsByteArrayAsync());
        Assert.Equal(await single.AssertDigitPngAsync(), pixels[..784]);
        using var clean = await client.PostAsync("/denoise", Raw(file, "application/x-idx"));
        Assert.NotEqual(Idx.ReadImages(await clean.Content.ReadAsByteArrayAsync()).Pixels, pixels);
    }

    [Fact]
    public async Task WithoutADenoiserOfTheDefaultsDataSetTheProblemNamesTheDenoisersThereAre()
    {
        using var otherDataSet = DenoiserModelsFactory.With(("mnist", "mnist", null), ("fashion", "fashion-denoise", "mask:0.2"));
        using var otherClient = otherDataSet.CreateClient();

        using var response = await otherClient.PostAsync("/denoise", PngForm("image", Digits.Png(0)));

        await response.AssertProblemAsync(404, "No denoising model for data set 'mnist' (the default model's) is loaded. Denoisers: fashion-denoise (fashion-mnist: mask:0.2); name one with ?model=.");
    }

    [Fact]
    public async Task WithoutAnyDenoiserTheProblemSaysHowToTrainOne()
    {
        using var plain = DenoiserModelsFactory.With(("mnist", "mnist", null));
        using var plainClient = plain.CreateClient();

        using var response = await plainClient.PostAsync("/denoise", PngForm("image", Digits.Png(0)));
        using var named = await plainClient.PostAsync("/denoise?model=mnist", PngForm("image", Digits.Png(0)));

        await response.AssertProblemAsync(404, "No denoising model is loaded. Train one with noise (train --noise");
        await named.AssertDigitPngAsync();
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesDenoiseWithItsQueryAndFormats()
    {
        using var response = await client.GetAsync("/swagger/v1/swagger.json");

        var denoise = (await response.JsonAsync()).GetProperty("paths").GetProperty("/denoise").GetProperty("post");
        Assert.Equal("Denoise", denoise.GetProperty("operationId").GetString());
        Assert.False(string.IsNullOrEmpty(denoise.GetProperty("summary").GetString()));
        Assert.Contains("Noise-Seed", denoise.GetProperty("description").GetString(), StringComparison.Ordinal);
        var parameters = denoise.GetProperty("parameters").EnumerateArray().Select(parameter => parameter.GetProperty("name").GetString()).ToList();
        Assert.Contains("noise", parameters);
        Assert.Contains("seed", parameters);
        var upload = denoise.GetProperty("requestBody").GetProperty("content");
        Assert.True(upload.TryGetProperty("multipart/form-data", out _));
        Assert.True(upload.TryGetProperty("application/x-idx", out _));
        Assert.True(upload.TryGetProperty("application/x-npy", out _));
        var ok = denoise.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal(["application/json", "application/x-idx", "application/x-npy", "image/png"], ok.EnumerateObject().Select(type => type.Name).Order(StringComparer.Ordinal));
    }

    private static byte[] PngPixels(JsonElement body, string field) => Digits.Decode(Convert.FromBase64String(body.GetProperty(field).GetString()!)).Pixels;

    /// <summary>PSNR in dB of 8-bit images on [0,1] pixels: 10 log10(1 / MSE).</summary>
    private static double Psnr(byte[] reference, byte[] image) =>
        10 * Math.Log10(1 / reference.Zip(image, (a, b) => Math.Pow((a - b) / 255.0, 2)).Average());

    /// <summary>Asserts each PNG level is the model output's within one 8-bit level (1/255).</summary>
    private static void AssertWithinOneLevel(float[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs((Math.Clamp(expected[i], 0f, 1f) * 255) - actual[i]) <= 1, $"pixel {i}: {actual[i]} against the model's {expected[i] * 255}");
        }
    }
}
