using System.Text.Json.Nodes;
using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

public sealed class ModelManifestTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public static TheoryData<string> BundledModels() =>
        [.. Directory.GetDirectories(Path.Combine(TestData.RepositoryRoot, "models")).Select(Path.GetFileName).OfType<string>()];

    public void Dispose() => temp.Dispose();

    [Theory]
    [MemberData(nameof(BundledModels))]
    public void EveryBundledModelJsonLoadsAndIsWrittenBackWithTheSameImageHandlingName(string model)
    {
        var path = Path.Combine(TestData.RepositoryRoot, "models", model, ModelManifest.FileName);
        var written = JsonNode.Parse(File.ReadAllText(path))!["imageHandling"]!.GetValue<string>();

        var manifest = ModelManifest.Load(path);

        Assert.Equal(written, manifest.ImageHandling.Name());
        Assert.Equal(written, JsonNode.Parse(manifest.ToJson())!["imageHandling"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"mnist-digit\"", ImageHandling.MnistDigit)]
    [InlineData("\"fit\"", ImageHandling.Fit)]
    [InlineData("\"none\"", ImageHandling.None)]
    public void ImageHandlingIsReadByItsName(string json, ImageHandling expected)
    {
        var manifest = ModelManifest.Load(WriteBundledMnistWith(JsonNode.Parse(json)!));

        Assert.Equal(expected, manifest.ImageHandling);
    }

    [Theory]
    [InlineData("\"mnist_digit\"", "'mnist_digit'")]
    [InlineData("\"MnistDigit\"", "'MnistDigit'")]
    [InlineData("0", "Number")]
    public void AnUnknownImageHandlingFailsWhenModelJsonIsReadNamingTheFileAndTheAllowedNames(string json, string quoted)
    {
        var path = WriteBundledMnistWith(JsonNode.Parse(json)!);

        var error = Assert.Throws<ModelManifestException>(() => ModelManifest.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.StartsWith($"{path}: not a valid model.json (imageHandling must be one of mnist-digit, fit, none, not {quoted}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReconstructionErrorsWithoutAllHundredAndOnePercentilesAreRefused()
    {
        var path = temp.File(ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName)))!;
        json["reconstructionErrors"]!["percentiles"] = new JsonArray(0.1, 0.2);
        File.WriteAllText(path, json.ToJsonString());

        var error = Assert.Throws<ModelManifestException>(() => ModelManifest.Load(path));

        Assert.Contains("(101 numbers), not 2", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void APriorThatIsNotPositiveDefiniteIsRefusedNamingTheComponent()
    {
        var path = temp.File(ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName)))!;
        var standard = LatentPrior.StandardNormal(json["latentSize"]!.GetValue<int>());
        var prior = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(standard, ModelManifest.JsonOptions))!;
        prior["components"]![0]!["covariance"]![3]![3] = -1.0;
        json["prior"] = prior;
        File.WriteAllText(path, json.ToJsonString());

        var error = Assert.Throws<ModelManifestException>(() => ModelManifest.Load(path));

        Assert.Equal("prior.components[0].covariance must be positive definite", error.Problem);
    }

    [Fact]
    public void AModelJsonWithoutAScorerLoadsWithoutOneAndIsWrittenBackWithoutOne()
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName));

        Assert.Null(manifest.Scorer);
        Assert.Null(JsonNode.Parse(manifest.ToJson())!["scorer"]);
    }

    [Fact]
    public void AScorerIsWrittenAndReadBackTermByTerm()
    {
        var bundled = ModelManifest.Load(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName));
        var scorer = NoveltyScorer.Calibrate(
            "validation",
            [(NoveltyTerms.MeanSquaredError, 1), (NoveltyTerms.Prior, 0.5)],
            [[0.01, 0.02, 0.03, 0.05], [20, 25, 30, 28]]);
        var path = temp.File(ModelManifest.FileName);
        File.WriteAllText(path, (bundled with { Scorer = scorer }).ToJson());

        var read = ModelManifest.Load(path).Scorer!;

        Assert.Equal(scorer.Terms, read.Terms);
        Assert.Equal(scorer.Percentiles, read.Percentiles);
        Assert.Equal("prior", JsonNode.Parse(File.ReadAllText(path))!["scorer"]!["terms"]![1]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void AScorerThatCannotScoreTheModelIsRefusedNamingTheTerm()
    {
        var path = temp.File(ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName)))!;
        json["prior"] = null;
        json["scorer"] = JsonNode.Parse("""
            {"split": "validation", "images": 10, "terms": [{"name": "prior", "weight": 1, "median": 0, "spread": 1}],
             "percentiles": [PERCENTILES]}
            """.Replace("PERCENTILES", string.Join(", ", Enumerable.Range(0, 101)), StringComparison.Ordinal));
        File.WriteAllText(path, json.ToJsonString());

        var error = Assert.Throws<ModelManifestException>(() => ModelManifest.Load(path));

        Assert.Equal("scorer.terms[0]: 'prior' needs the model's prior (model.json's prior)", error.Problem);
    }

    private string WriteBundledMnistWith(JsonNode imageHandling)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "models", "mnist", ModelManifest.FileName)))!;
        json["imageHandling"] = imageHandling;
        var path = temp.File(ModelManifest.FileName);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
