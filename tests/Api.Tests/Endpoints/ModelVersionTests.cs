using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// A models folder with versions, as Triton lays them out: "digits" has versions 1 (the fc model's files), 2 (the conv
/// model's) and 3 (the fc model's again) under a policy serving the latest two; "pinned" serves version 1 of two by a
/// specific policy; "flat" is a model folder without versions (its version 1).
/// </summary>
public sealed class VersionedModelsFactory : CopiedModelsFactory
{
    public VersionedModelsFactory()
        : base(
            new CopiedModel("mnist", "digits/1"),
            new CopiedModel("mnist-conv", "digits/2"),
            new CopiedModel("mnist", "digits/3"),
            new CopiedModel("mnist", "pinned/1"),
            new CopiedModel("mnist-conv", "pinned/2"),
            new CopiedModel("mnist", "flat"))
    {
        File.WriteAllText(Path.Combine(Directory, "digits", "version-policy.json"), """{"latest": 2}""");
        File.WriteAllText(Path.Combine(Directory, "pinned", "version-policy.json"), """{"specific": [1]}""");
    }
}

public sealed class ModelVersionTests(VersionedModelsFactory factory) : IClassFixture<VersionedModelsFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ModelsListEachModelsServedVersionsAndTheOneARequestWithoutAVersionGets()
    {
        using var response = await client.GetAsync("/models");
        var models = (await response.JsonAsync()).EnumerateArray().ToDictionary(model => model.GetProperty("name").GetString()!);

        Assert.Equal(["digits", "flat", "pinned"], models.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([2, 3], models["digits"].GetProperty("versions").EnumerateArray().Select(version => version.GetInt64()));
        Assert.Equal(3, models["digits"].GetProperty("version").GetInt64());
        Assert.Equal([1], models["pinned"].GetProperty("versions").EnumerateArray().Select(version => version.GetInt64()));
        Assert.Equal([1], models["flat"].GetProperty("versions").EnumerateArray().Select(version => version.GetInt64()));

        using var second = await client.GetAsync("/models/digits?version=2");
        var described = await second.JsonAsync();
        Assert.Equal(2, described.GetProperty("version").GetInt64());
        Assert.Equal("conv", described.GetProperty("architecture").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task EachServedVersionAnswersWithItsOwnFilesAndNoVersionMeansTheNewest()
    {
        var second = await LatentAsync("/encode?model=digits&version=2");
        var third = await LatentAsync("/encode?model=digits&version=3");
        var newest = await LatentAsync("/encode?model=digits");
        var fc = await LatentAsync("/encode?model=flat");

        Assert.Equal(third, newest);
        Assert.Equal(fc, third);
        Assert.NotEqual(second, third);
    }

    [Fact]
    public async Task AVersionNotServedIsNotFoundAndOneThatIsNoNumberIsABadRequest()
    {
        using var unserved = await client.PostAsync("/encode?model=digits&version=1", PngForm("image", Digits.Png(0)));
        await unserved.AssertProblemAsync(404, "Model 'digits' has no version 1 served; it serves 2, 3.");
        using var pinned = await client.PostAsync("/encode?model=pinned&version=2", PngForm("image", Digits.Png(0)));
        await pinned.AssertProblemAsync(404, "Model 'pinned' has no version 2 served; it serves 1.");
        using var word = await client.PostAsync("/generate?model=digits&version=latest", null);
        await word.AssertProblemAsync(400, "'version' must be a model version's number (a whole number from 1), not 'latest'.");
    }

    [Fact]
    public async Task TheProtocolServesEveryVersionUnderItsVersionRoute()
    {
        using var metadata = await client.GetAsync("/v2/models/digits-encoder");
        Assert.Equal(["2", "3"], (await metadata.JsonAsync()).GetProperty("versions").EnumerateArray().Select(version => version.GetString()));

        var image = Digits.ModelInput(0);
        var body = JsonSerializer.Serialize(new { inputs = new[] { new { name = "image", shape = new[] { 1, 1, 28, 28 }, datatype = "FP32", data = image } } });
        using var second = await client.PostAsync("/v2/models/digits-encoder/versions/2/infer", new StringContent(body, null, "application/json"));
        using var newest = await client.PostAsync("/v2/models/digits-encoder/infer", new StringContent(body, null, "application/json"));
        using var unserved = await client.PostAsync("/v2/models/digits-encoder/versions/1/infer", new StringContent(body, null, "application/json"));

        var secondAnswer = await second.JsonAsync();
        Assert.Equal("2", secondAnswer.GetProperty("model_version").GetString());
        Assert.Equal((await LatentAsync("/encode?model=digits&version=2")), secondAnswer.GetProperty("outputs")[0].GetProperty("data").Floats());
        Assert.Equal("3", (await newest.JsonAsync()).GetProperty("model_version").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unserved.StatusCode);
        Assert.Contains("it has versions 2, 3", (await unserved.JsonAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private async Task<float[]> LatentAsync(string url)
    {
        using var response = await client.PostAsync(url, PngForm("image", Digits.Png(0)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("latent").Floats();
    }
}
