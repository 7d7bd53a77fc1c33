using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Api.Tests.Images;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// mnist-conv with a scorer whose joint term counts: one Gaussian over the code and the logs of mse and 1 − SSIM, fitted
/// for the test to 300 MNIST test digits through the model's own ONNX files, and calibrated on the next 100.
/// </summary>
public sealed class JointNoveltyModelFactory() : CopiedModelsFactory(new CopiedModel("mnist-conv", "joint", AddJointScorer))
{
    public const int Fitted = 300;
    public const int Calibrated = 100;

    /// <summary>The models folder the copy is in.</summary>
    public string ModelsFolder => Directory;

    private static void AddJointScorer(JsonNode manifest)
    {
        var model = ModelManifest.Parse(manifest.ToJsonString(), "model.json");
        string[] errorNames = [NoveltyTerms.MeanSquaredError, NoveltyTerms.Structural];
        var plain = new NoveltyTerms(model.Image, model.Prior);
        using var onnx = new DirectOnnx("mnist-conv");
        (float[] Pixels, float[] Reconstructions, float[] Codes) Outputs(int start, int count)
        {
            List<float> pixels = [], reconstructions = [], codes = [];
            for (var index = start; index < start + count; index++)
            {
                var image = PixelValues.ToUnit(TestData.TestDigit(index));
                var code = onnx.Encode(image);
                pixels.AddRange(image);
                codes.AddRange(code);
                reconstructions.AddRange(onnx.Decode(code));
            }

            return ([.. pixels], [.. reconstructions], [.. codes]);
        }

        var fit = Outputs(0, Fitted);
        var errors = NoveltyScorer.ComputeTerms(plain, errorNames, fit.Pixels, fit.Reconstructions, fit.Codes, Fitted);
        ErrorFeature[] features = [.. errorNames.Select((name, index) => Standardisation(name, errors[index]))];
        var size = model.LatentSize + features.Length;
        var rows = new double[Fitted][];
        for (var image = 0; image < Fitted; image++)
        {
            var row = new float[size];
            NoveltyTerms.JointFeatures(features, [errors[0][image], errors[1][image]], fit.Codes.AsSpan(image * model.LatentSize, model.LatentSize), row);
            rows[image] = [.. row.Select(value => (double)value)];
        }

        var joint = new JointDensity(features, OneGaussian(rows, size));
        var terms = new NoveltyTerms(model.Image, model.Prior, joint);
        var calibration = Outputs(Fitted, Calibrated);
        var values = NoveltyScorer.ComputeTerms(terms, [.. NoveltyTerms.Names, NoveltyTerms.Joint], calibration.Pixels, calibration.Reconstructions, calibration.Codes, Calibrated);
        var scorer = NoveltyScorer.Calibrate(
            "validation",
            [(NoveltyTerms.MeanSquaredError, 0), (NoveltyTerms.Structural, 1), (NoveltyTerms.Local, 0), (NoveltyTerms.Prior, 0), (NoveltyTerms.Joint, 1)],
            values) with { Joint = joint };
        manifest["scorer"] = JsonNode.Parse(JsonSerializer.Serialize(scorer, ModelManifest.JsonOptions));
    }

    private static ErrorFeature Standardisation(string name, double[] values)
    {
        double[] sorted = [.. values.Select(ErrorFeature.Log).Order()];
        return new ErrorFeature(name, Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 75) - Percentiles.Of(sorted, 25));
    }

    /// <summary>The rows' mean and covariance, with a ridge of a thousandth on the diagonal.</summary>
    private static LatentPrior OneGaussian(double[][] rows, int size)
    {
        double[] mean = [.. Enumerable.Range(0, size).Select(i => rows.Average(row => row[i]))];
        var covariance = Enumerable.Range(0, size)
            .Select(i => (IReadOnlyList<double>)[.. Enumerable.Range(0, size).Select(j => rows.Average(row => (row[i] - mean[i]) * (row[j] - mean[j])) + (i == j ? 1e-3 : 0))])
            .ToArray();
        return new LatentPrior { Kind = LatentPrior.GaussianKind, Components = [new PriorComponent(1, mean, covariance)] };
    }
}

/// <summary>/score of a model whose scorer counts the joint term: the numbers Core's scorer gives, image alone or in a file.</summary>
public sealed class JointNoveltyScoreTests(JointNoveltyModelFactory factory) : IClassFixture<JointNoveltyModelFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task TheScoreIsCoreScorersFromTheModelJsonOnTheSameImage()
    {
        var manifest = ModelManifest.Load(Path.Combine(factory.ModelsFolder, "joint", ModelManifest.FileName));
        var scorer = NoveltyScorer.For(manifest)!;
        using var onnx = new DirectOnnx("mnist-conv");

        for (var index = 0; index < 5; index++)
        {
            var digit = JointNoveltyModelFactory.Fitted + JointNoveltyModelFactory.Calibrated + index;
            var image = PixelValues.ToUnit(TestData.TestDigit(digit));
            var code = onnx.Encode(image);
            var expected = scorer.Score(image, onnx.Decode(code), code);

            var novelty = (await ScoreAsync(TestImages.GrayPng(TestData.TestDigit(digit), 28, 28))).GetProperty("novelty");

            var components = novelty.GetProperty("components").EnumerateArray().ToArray();
            Assert.Equal([.. NoveltyTerms.Names, NoveltyTerms.Joint], components.Select(component => component.GetProperty("name").GetString()));
            Assert.Equal(expected.Terms[4].Value, components[4].GetProperty("value").GetDouble(), 1e-4 * Math.Max(1, Math.Abs(expected.Terms[4].Value)));
            Assert.Equal(expected.Score, novelty.GetProperty("score").GetDouble(), 1e-4);
            Assert.Equal(expected.Percentile, novelty.GetProperty("percentile").GetDouble(), 1e-2);
        }
    }

    [Fact]
    public async Task GarmentsAreFarStrangerThanDigitsByTheJointTerm()
    {
        var digit = (await ScoreAsync(Digits.Png(JointNoveltyModelFactory.Fitted + JointNoveltyModelFactory.Calibrated))).GetProperty("novelty");
        var garment = (await ScoreAsync(TestImages.GrayPng(TestData.FashionItem(TestData.FirstFashionItemOfClass(6)), 28, 28))).GetProperty("novelty");

        Assert.False(digit.GetProperty("isAnomaly").GetBoolean());
        Assert.True(garment.GetProperty("isAnomaly").GetBoolean());
        Assert.True(garment.GetProperty("components")[4].GetProperty("normalised").GetDouble() > 3, garment.GetRawText());
    }

    [Fact]
    public async Task ABundledModelJsonWithoutAJointDensityLoadsAndScoresAsBefore()
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.ModelsDirectory, "fashion-sneakers", ModelManifest.FileName));

        Assert.Null(manifest.Scorer!.Joint);
        Assert.DoesNotContain("\"joint\"", File.ReadAllText(Path.Combine(TestData.ModelsDirectory, "fashion-sneakers", ModelManifest.FileName)), StringComparison.Ordinal);
        Assert.Equal(NoveltyTerms.Names, manifest.Scorer.Terms.Select(term => term.Name));
        Assert.Null(manifest.Scorer.Problem(manifest.Image, manifest.Prior, manifest.LatentSize));
    }

    private async Task<JsonElement> ScoreAsync(byte[] png)
    {
        using var response = await client.PostAsync("/score?model=joint&preprocess=none", Raw(png, "image/png"), "application/json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }
}
