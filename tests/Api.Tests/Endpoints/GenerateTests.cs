using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// Copies of the bundled models with latent priors of the tests' own making written into their model.json, so what is
/// generated can be checked against the prior, and one copy with none; whether the bundled models carry a prior does
/// not matter here.
/// </summary>
public sealed class PriorModelsFactory() : CopiedModelsFactory(
    new CopiedModel("mnist", "mnist", WithPrior(Gaussian)),
    new CopiedModel("mnist-conv", Mixture, WithPrior(TwoComponents)),
    new CopiedModel("mnist", NoPrior, manifest => manifest.AsObject().Remove("prior")))
{
    /// <summary>The mnist-conv files with a two-component prior.</summary>
    public const string Mixture = "mnist-mixture";

    /// <summary>The mnist files with no prior in their model.json, as models written before priors were.</summary>
    public const string NoPrior = "mnist-no-prior";

    public const int LatentSize = 20;

    /// <summary>The default model's prior: one Gaussian around a mean that is not zero, each number's variance 2.</summary>
    public static LatentPrior Gaussian { get; } = new()
    {
        Kind = LatentPrior.GaussianKind,
        FittedTo = "a test's own numbers",
        Components = [Component(1, [.. Enumerable.Range(0, LatentSize).Select(i => (double)((i % 5) - 2))], variance: 2)],
    };

    public static LatentPrior TwoComponents { get; } = new()
    {
        Kind = LatentPrior.GaussianMixtureKind,
        FittedTo = "a test's own numbers",
        Components =
        [
            Component(0.4, [.. Enumerable.Repeat(-1.5, LatentSize)], variance: 0.5),
            Component(0.6, [.. Enumerable.Range(0, LatentSize).Select(i => i % 2 == 0 ? 2.0 : 0.5)], variance: 1),
        ],
    };

    private static PriorComponent Component(double weight, double[] mean, double variance) =>
        new(weight, mean, [.. Enumerable.Range(0, mean.Length).Select(row => Enumerable.Range(0, mean.Length).Select(column => row == column ? variance : 0).ToArray())]);

    private static Action<JsonNode> WithPrior(LatentPrior prior) =>
        manifest => manifest["prior"] = JsonSerializer.SerializeToNode(prior, ModelManifest.JsonOptions);
}

public sealed class GenerateTests(PriorModelsFactory factory) : IClassFixture<PriorModelsFactory>
{
    private const string Idx = "application/x-idx";
    private const string Json = "application/json";
    private const string Png = "image/png";

    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task WithoutAcceptSixteenImagesComeBackAsOneFourByFourPngGridWithTheSeedInAHeader()
    {
        using var response = await client.PostAsync("/generate?seed=7", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Png, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("Generate-Seed")));
        var (width, height, _) = Digits.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((4 * 28, 4 * 28), (width, height));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(10, 4, 3)]
    public async Task TheGridIsAsCloseToSquareAsTheCountAllows(int count, int columns, int rows)
    {
        using var response = await client.PostAsync($"/generate?count={count}&seed=1", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (width, height, _) = Digits.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((columns * 28, rows * 28), (width, height));
    }

    [Fact]
    public async Task JsonCarriesTheSeedTemperatureCodesAndEachImageAsAPngOfTheCodesDecoding()
    {
        using var response = await GenerateAsync("/generate?count=6&seed=11&temperature=0.8", Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("mnist", body.GetProperty("model").GetString());
        Assert.Equal(11, body.GetProperty("seed").GetInt32());
        Assert.Equal(0.8, body.GetProperty("temperature").GetDouble());
        Assert.Equal(6, body.GetProperty("count").GetInt32());
        var latents = body.GetProperty("latents").EnumerateArray().Select(latent => latent.Floats()).ToArray();
        var images = body.GetProperty("images").EnumerateArray().Select(image => Digits.Decode(Convert.FromBase64String(image.GetString()!))).ToArray();
        Assert.Equal(6, latents.Length);
        Assert.All(latents, latent => Assert.Equal(PriorModelsFactory.LatentSize, latent.Length));
        Assert.Equal(6, images.Length);

        // The codes are the sampler's for that seed and temperature, and each image is /decode's of its code.
        Assert.Equal(new LatentSampler(PriorModelsFactory.Gaussian).Sample(6, 11, 0.8), latents.SelectMany(latent => latent));
        using var decoded = await client.PostAsync("/decode", JsonContent.Create(latents), Idx);
        var idx = await decoded.Content.ReadAsByteArrayAsync();
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal((28, 28), (images[i].Width, images[i].Height));
            AssertWithinOneLevel(idx.AsSpan(16 + (i * 784), 784), images[i].Pixels);
        }
    }

    [Fact]
    public async Task IdxHoldsTheImagesAsBulkDecodeReturnsThem()
    {
        using var generated = await GenerateAsync("/generate?count=9&seed=3", Json);
        var latents = (await generated.JsonAsync()).GetProperty("latents").EnumerateArray().Select(latent => latent.Floats()).ToArray();

        using var response = await GenerateAsync("/generate?count=9&seed=3", Idx);
        using var decoded = await client.PostAsync("/decode", JsonContent.Create(latents), Idx);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Idx, response.Content.Headers.ContentType?.MediaType);
        var file = await response.Content.ReadAsByteArrayAsync();
        var (header, _) = Core.Idx.ReadImages(file);
        Assert.Equal((9, 28, 28), (header.Count, header.Rows, header.Columns));
        var expected = await decoded.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected.Length, file.Length);
        AssertWithinOneLevel(expected.AsSpan(16), file.AsSpan(16));
    }

    [Theory]
    [InlineData(Png)]
    [InlineData(Idx)]
    [InlineData(Json)]
    public async Task TheSameSeedGivesTheSameBytesAndAnotherSeedOthers(string accept)
    {
        var first = await BytesAsync("/generate?count=12&seed=42&temperature=1.2", accept);
        var again = await BytesAsync("/generate?count=12&seed=42&temperature=1.2", accept);
        var other = await BytesAsync("/generate?count=12&seed=43&temperature=1.2", accept);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task WithoutASeedTheServicePicksOneAndReturnsItSoTheAnswerCanBeRepeated()
    {
        using var random = await GenerateAsync("/generate?count=4", Json);
        var seed = int.Parse(Assert.Single(random.Headers.GetValues("Generate-Seed")), System.Globalization.CultureInfo.InvariantCulture);
        var body = await random.Content.ReadAsByteArrayAsync();

        Assert.Equal(seed, JsonDocument.Parse(body).RootElement.GetProperty("seed").GetInt32());
        Assert.Equal(body, await BytesAsync($"/generate?count=4&seed={seed}", Json));
    }

    [Fact]
    public async Task AtTemperatureZeroEverySampleIsTheDecodedMeanOfASingleGaussian()
    {
        using var response = await GenerateAsync("/generate?count=8&seed=5&temperature=0", Json);
        var body = await response.JsonAsync();
        var mean = PriorModelsFactory.Gaussian.Components[0].Mean.Select(value => (float)value).ToArray();

        Assert.All(body.GetProperty("latents").EnumerateArray(), latent => Assert.Equal(mean, latent.Floats()));
        var images = body.GetProperty("images").EnumerateArray().Select(image => image.GetString()).ToArray();
        Assert.Equal(8, images.Length);
        Assert.Single(images.Distinct());

        using var decoded = await client.PostAsync("/decode", JsonContent.Create(new { latent = mean }), Png);
        AssertWithinOneLevel(await decoded.AssertDigitPngAsync(), Digits.Decode(Convert.FromBase64String(images[0]!)).Pixels);
    }

    [Fact]
    public async Task TemperatureScalesEachDrawsDistanceFromTheMean()
    {
        var full = await LatentsAsync("/generate?count=5&seed=9&temperature=1");
        var half = await LatentsAsync("/generate?count=5&seed=9&temperature=0.5");
        var mean = PriorModelsFactory.Gaussian.Components[0].Mean;

        for (var i = 0; i < full.Length; i++)
        {
            for (var j = 0; j < mean.Count; j++)
            {
                Assert.Equal((full[i][j] - mean[j]) / 2, half[i][j] - mean[j], 1e-5);
            }
        }

        Assert.Contains(full, latent => latent.Select((value, j) => Math.Abs(value - mean[j])).Max() > 0.5);
    }

    [Fact]
    public async Task TheNamedModelsPriorAndDecoderAreUsed()
    {
        using var response = await GenerateAsync($"/generate?model={PriorModelsFactory.Mixture}&count=40&seed=2&temperature=0", Json);
        var body = await response.JsonAsync();

        Assert.Equal(PriorModelsFactory.Mixture, body.GetProperty("model").GetString());
        var means = PriorModelsFactory.TwoComponents.Components.Select(component => component.Mean.Select(value => (float)value).ToArray()).ToArray();
        var latents = body.GetProperty("latents").EnumerateArray().Select(latent => latent.Floats()).ToArray();
        var picked = latents.Select(latent => Array.FindIndex(means, mean => mean.SequenceEqual(latent))).ToArray();
        Assert.DoesNotContain(-1, picked);
        Assert.Equal([0, 1], picked.Distinct().Order());

        // The images are mnist-conv's decodings of those codes, not mnist's.
        using var onnx = new DirectOnnx("mnist-conv");
        var images = body.GetProperty("images").EnumerateArray().Select(image => Digits.Decode(Convert.FromBase64String(image.GetString()!)).Pixels).ToArray();
        for (var component = 0; component < means.Length; component++)
        {
            AssertWithinOneLevel(onnx.Decode(means[component]), images[Array.IndexOf(picked, component)]);
        }
    }

    [Fact]
    public async Task ModelsShowsEachModelsPriorKindAndComponentsAndNullWithoutOne()
    {
        var models = await client.GetFromJsonAsync<JsonElement>("/models");
        var priors = models.EnumerateArray().ToDictionary(model => model.GetProperty("name").GetString()!, model => model.GetProperty("prior"));

        Assert.Equal("gaussian", priors["mnist"].GetProperty("kind").GetString());
        Assert.Equal(1, priors["mnist"].GetProperty("components").GetInt32());
        Assert.Equal("gaussian-mixture", priors[PriorModelsFactory.Mixture].GetProperty("kind").GetString());
        Assert.Equal(2, priors[PriorModelsFactory.Mixture].GetProperty("components").GetInt32());
        Assert.Equal("a test's own numbers", priors[PriorModelsFactory.Mixture].GetProperty("fittedTo").GetString());
        Assert.Equal(JsonValueKind.Null, priors[PriorModelsFactory.NoPrior].ValueKind);
    }

    [Fact]
    public async Task AModelWithoutAPriorIsAConflictThatSaysHowToFitOne()
    {
        using var response = await client.PostAsync($"/generate?model={PriorModelsFactory.NoPrior}", null);

        await response.AssertProblemAsync(409, $"Model '{PriorModelsFactory.NoPrior}' has no latent prior to sample from");
        await response.AssertProblemAsync(409, "autoencoder-train fit-prior --model DIR --data DIR");
    }

    [Fact]
    public async Task AnUnknownModelIsNotFound()
    {
        using var response = await client.PostAsync("/generate?model=nope", null);

        await response.AssertProblemAsync(404, "There is no model 'nope'.");
    }

    [Theory]
    [InlineData("count=0", "'count' must be a whole number from 1 to 100000, not '0'")]
    [InlineData("count=-1", "'count' must be a whole number from 1 to 100000, not '-1'")]
    [InlineData("count=100001", "'count' must be a whole number from 1 to 100000, not '100001'")]
    [InlineData("count=abc", "'count' must be a whole number")]
    [InlineData("count=2.5", "'count' must be a whole number")]
    [InlineData("count=", "'count' must be a whole number")]
    [InlineData("seed=abc", "'seed' must be a whole number from -2147483648 to 2147483647, not 'abc'")]
    [InlineData("seed=1.5", "'seed' must be a whole number")]
    [InlineData("seed=99999999999", "'seed' must be a whole number")]
    [InlineData("temperature=NaN", "'temperature' must be a number from 0 to 10")]
    [InlineData("temperature=Infinity", "'temperature' must be a number from 0 to 10")]
    [InlineData("temperature=inf", "'temperature' must be a number from 0 to 10")]
    [InlineData("temperature=-1", "'temperature' must be a number from 0 to 10, not '-1'")]
    [InlineData("temperature=10.5", "'temperature' must be a number from 0 to 10")]
    [InlineData("temperature=abc", "'temperature' must be a number from 0 to 10, not 'abc'")]
    public async Task AQueryOutOfRangeIsABadRequestThatSaysWhatItTakes(string query, string detail)
    {
        using var response = await client.PostAsync("/generate?" + query, null);

        await response.AssertProblemAsync(400, detail);
    }

    [Fact]
    public async Task ABadQueryIsABadRequestEvenForAModelWithoutAPrior()
    {
        using var response = await client.PostAsync($"/generate?model={PriorModelsFactory.NoPrior}&temperature=-1", null);

        await response.AssertProblemAsync(400, "'temperature' must be a number from 0 to 10");
    }

    /// <summary>A POST without a body, as /generate takes it, accepting <paramref name="accept"/>.</summary>
    private async Task<HttpResponseMessage> GenerateAsync(string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    private async Task<byte[]> BytesAsync(string url, string accept)
    {
        using var response = await GenerateAsync(url, accept);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(accept, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<float[][]> LatentsAsync(string url)
    {
        using var response = await GenerateAsync(url, Json);
        return [.. (await response.JsonAsync()).GetProperty("latents").EnumerateArray().Select(latent => latent.Floats())];
    }

    private static void AssertWithinOneLevel(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1, $"pixel {i}: {actual[i]} against {expected[i]}");
        }
    }

    private static void AssertWithinOneLevel(float[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs((Math.Clamp(expected[i], 0f, 1f) * 255) - actual[i]) <= 1, $"pixel {i}: {actual[i]} against the model's {expected[i] * 255}");
        }
    }
}
