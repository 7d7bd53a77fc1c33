using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Api.Tests.Images;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// mnist-conv with a scorer in its model.json, calibrated for the test on 300 MNIST test digits through its own ONNX
/// files and Core's scorer, as train calibrates one on its validation images.
/// </summary>
public sealed class NoveltyModelFactory() : CopiedModelsFactory(new CopiedModel("mnist-conv", "digits", AddScorer), new CopiedModel("mnist-conv", "mnist-conv"))
{
    private static void AddScorer(JsonNode manifest)
    {
        var model = ModelManifest.Parse(manifest.ToJsonString(), "model.json");
        const int Count = 300;
        using var onnx = new DirectOnnx("mnist-conv");
        var pixels = new List<float>();
        var reconstructions = new List<float>();
        var codes = new List<float>();
        for (var index = 0; index < Count; index++)
        {
            var image = PixelValues.ToUnit(TestData.TestDigit(index));
            var code = onnx.Encode(image);
            pixels.AddRange(image);
            codes.AddRange(code);
            reconstructions.AddRange(onnx.Decode(code));
        }

        var terms = new NoveltyTerms(model.Image, model.Prior);
        var values = NoveltyScorer.ComputeTerms(terms, NoveltyTerms.Names, [.. pixels], [.. reconstructions], [.. codes], Count);
        var scorer = NoveltyScorer.Calibrate(
            "validation", [(NoveltyTerms.MeanSquaredError, 1), (NoveltyTerms.Structural, 0), (NoveltyTerms.Local, 0), (NoveltyTerms.Prior, 1)], values);
        manifest["scorer"] = JsonNode.Parse(JsonSerializer.Serialize(scorer, ModelManifest.JsonOptions));
    }
}

/// <summary>/score answers a novelty score from a model's scorer, and leaves models without one as they were.</summary>
public sealed class NoveltyScoreTests(NoveltyModelFactory factory) : IClassFixture<NoveltyModelFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ADigitIsNormalAndAGarmentAnAnomalyByTheCombinedScore()
    {
        var digit = (await ScoreAsync("/score?model=digits", TestImages.GrayPng(TestData.TestDigit(3), 28, 28))).GetProperty("novelty");
        var garment = (await ScoreAsync("/score?model=digits", TestImages.GrayPng(TestData.FashionItem(TestData.FirstFashionItemOfClass(6)), 28, 28))).GetProperty("novelty");

        Assert.False(digit.GetProperty("isAnomaly").GetBoolean());
        Assert.InRange(digit.GetProperty("percentile").GetDouble(), 0, 99);
        Assert.True(garment.GetProperty("isAnomaly").GetBoolean());
        Assert.InRange(garment.GetProperty("percentile").GetDouble(), 99, 100);
        Assert.True(garment.GetProperty("score").GetDouble() > garment.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task TheScoreIsTheWeightedSumOfItsNormalisedComponentsAndItsMseIsTheReconstructionError()
    {
        var answer = await ScoreAsync("/score?model=digits", Digits.Png(5));
        var novelty = answer.GetProperty("novelty");
        var components = novelty.GetProperty("components").EnumerateArray().ToArray();

        Assert.Equal(NoveltyTerms.Names, components.Select(component => component.GetProperty("name").GetString()));
        Assert.Equal([1.0, 0, 0, 1], components.Select(component => component.GetProperty("weight").GetDouble()));
        Assert.Equal(
            components.Sum(component => component.GetProperty("weight").GetDouble() * component.GetProperty("normalised").GetDouble()),
            novelty.GetProperty("score").GetDouble(),
            9);
        Assert.Equal(answer.GetProperty("meanSquaredError").GetDouble(), components[0].GetProperty("value").GetDouble(), 12);
    }

    [Fact]
    public async Task AModelWithoutAScorerAnswersAsBeforeWithoutNovelty()
    {
        var answer = await ScoreAsync("/score?model=mnist-conv", Digits.Png(5));

        Assert.False(answer.TryGetProperty("novelty", out _));
        Assert.True(answer.TryGetProperty("meanSquaredError", out _));
    }

    private async Task<JsonElement> ScoreAsync(string url, byte[] body)
    {
        using var response = await client.PostAsync(url, Raw(body, "image/png"), "application/json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }
}
