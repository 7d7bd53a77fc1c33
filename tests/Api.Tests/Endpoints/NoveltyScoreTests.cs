using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Api.Tests.Images;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
using Microsoft.Extensions.DependencyInjection;
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
    private const string Idx = "application/x-idx";

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

    [Fact]
    public async Task AnIdxImagesNoveltyIsTheNoveltyOfTheSameImageSentAlone()
    {
        const int count = 12;
        var bulk = (await ScoreAsync("/score?model=digits", TestData.IdxFile(TestDigits, count), Idx)).GetProperty("novelty");
        var components = bulk.GetProperty("components").EnumerateArray().ToArray();

        Assert.Equal(count, bulk.GetProperty("scores").GetArrayLength());
        Assert.Equal(NoveltyTerms.Names, components.Select(component => component.GetProperty("name").GetString()));
        for (var index = 0; index < count; index++)
        {
            var single = (await ScoreAsync("/score?model=digits&preprocess=none", Digits.Png(index))).GetProperty("novelty");
            var singleComponents = single.GetProperty("components").EnumerateArray().ToArray();

            // One image runs alone, the file's in one batch: the same to float rounding.
            Assert.Equal(single.GetProperty("score").GetDouble(), bulk.GetProperty("scores")[index].GetDouble(), 1e-4);
            Assert.Equal(single.GetProperty("percentile").GetDouble(), bulk.GetProperty("percentiles")[index].GetDouble(), 1e-3);
            Assert.Equal(single.GetProperty("isAnomaly").GetBoolean(), bulk.GetProperty("isAnomaly")[index].GetBoolean());
            Assert.Equal(single.GetProperty("threshold").GetDouble(), bulk.GetProperty("threshold").GetDouble());
            for (var term = 0; term < components.Length; term++)
            {
                var (alone, inFile) = (singleComponents[term], components[term]);
                Assert.Equal(alone.GetProperty("weight").GetDouble(), inFile.GetProperty("weight").GetDouble());
                Assert.Equal(alone.GetProperty("value").GetDouble(), inFile.GetProperty("values")[index].GetDouble(), Tolerance(alone.GetProperty("value").GetDouble()));
                Assert.Equal(alone.GetProperty("normalised").GetDouble(), inFile.GetProperty("normalised")[index].GetDouble(), 1e-4);
            }
        }
    }

    [Fact]
    public async Task GarmentsScoreHigherThanHeldOutDigitsAndTheAnomalyCountIsTheNumberFlagged()
    {
        const int count = 200;

        // Digits after the 300 that calibrated the scorer: normal images it has not seen.
        var digits = (await ScoreAsync("/score?model=digits", TestData.IdxFile(TestDigits, count, start: 300), Idx)).GetProperty("novelty");
        var garments = (await ScoreAsync("/score?model=digits", TestData.IdxFile(Path.Combine(TestData.FashionMnist, "t10k-images-idx3-ubyte.gz"), count), Idx)).GetProperty("novelty");

        foreach (var novelty in new[] { digits, garments })
        {
            var scores = novelty.GetProperty("scores").EnumerateArray().Select(score => score.GetDouble()).ToArray();
            var flagged = novelty.GetProperty("isAnomaly").EnumerateArray().Select(verdict => verdict.GetBoolean()).ToArray();
            Assert.Equal(count, scores.Length);
            Assert.Equal(count, flagged.Length);
            Assert.Equal(flagged.Count(anomaly => anomaly), novelty.GetProperty("anomalyCount").GetInt32());
            Assert.Equal(scores.Select(score => score > novelty.GetProperty("threshold").GetDouble()), flagged);
        }

        double Mean(JsonElement novelty) => novelty.GetProperty("scores").EnumerateArray().Average(score => score.GetDouble());
        Assert.True(Mean(garments) > Mean(digits) + 1, $"garments' mean score {Mean(garments)}, digits' {Mean(digits)}");
        Assert.InRange(digits.GetProperty("anomalyCount").GetInt32(), 0, count / 10);
        Assert.InRange(garments.GetProperty("anomalyCount").GetInt32(), count / 2, count);
    }

    [Fact]
    public async Task AnIdxFileToAModelWithoutAScorerIsAnsweredAsBeforeWithoutNovelty()
    {
        var file = TestData.IdxFile(TestDigits, 5);

        var plain = await ScoreAsync("/score?model=mnist-conv", file, Idx);
        var scored = await ScoreAsync("/score?model=digits", file, Idx);

        Assert.Equal(
            ["model", "count", "threshold", "unusualCount", "meanSquaredErrors", "percentiles", "unusual"],
            plain.EnumerateObject().Select(property => property.Name));
        Assert.Equal("novelty", scored.EnumerateObject().Last().Name);
        Assert.Equal(plain.GetProperty("meanSquaredErrors").GetRawText(), scored.GetProperty("meanSquaredErrors").GetRawText());
    }

    /// <summary>
    /// The memory a bulk score holds for its answer counts the novelty arrays: with room for everything but them, a
    /// file is scored by the model without a scorer and refused (503, not a 500) by the one with.
    /// </summary>
    [Fact]
    public async Task ABulkScoreReservesMemoryForItsNoveltyBeforeItStarts()
    {
        const int count = 2000;
        var file = TestData.IdxFile(TestDigits, count);
        var memory = factory.Services.GetRequiredService<WorkMemory>();
        var model = factory.Services.GetRequiredService<AutoencoderService>().Model("digits");
        var needed = file.Length + AnswerMemory.Window(model, AutoencoderService.WindowRows) + AnswerMemory.Scores(count);
        await Poll.UntilAsync(() => memory.InUse == 0, "earlier answers' memory was never given back");

        using (var hold = memory.Reserve(memory.Capacity - needed - AnswerMemory.Novelty(model.Scorer, count) + 1, "A test's hold"))
        {
            using (var plain = await client.PostAsync("/score?model=mnist-conv", Raw(file, Idx), "application/json"))
            {
                Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            }

            await Poll.UntilAsync(() => memory.InUse == hold.Bytes, "the first answer's memory was never given back");
            using var scored = await client.PostAsync("/score?model=digits", Raw(file, Idx), "application/json");
            await scored.AssertProblemAsync(503, $"Scores of {count} images needs about");
        }

        using var answered = await client.PostAsync("/score?model=digits", Raw(file, Idx), "application/json");
        Assert.Equal(count, (await answered.JsonAsync()).GetProperty("novelty").GetProperty("scores").GetArrayLength());
    }

    private static string TestDigits => Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz");

    /// <summary>Float rounding between a batch and one image, relative to the term's size.</summary>
    private static double Tolerance(double value) => 1e-5 * Math.Max(1, Math.Abs(value));

    private async Task<JsonElement> ScoreAsync(string url, byte[] body, string contentType = "image/png")
    {
        using var response = await client.PostAsync(url, Raw(body, contentType), "application/json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }
}
