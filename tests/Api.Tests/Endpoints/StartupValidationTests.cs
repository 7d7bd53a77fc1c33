using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting;
using Onnx;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>A model folder that cannot be served, or a page without its files, stops the service at start, with a message naming the file.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly string models = Path.Combine(Path.GetTempPath(), "autoencoder-models-" + Guid.NewGuid().ToString("N"));

    public StartupValidationTests()
    {
        CopyBundledModel("mnist");
    }

    public void Dispose() => Directory.Delete(models, recursive: true);

    [Fact]
    public void ALatentSizeThatDisagreesWithTheOnnxFilesNamesTheEncoder()
    {
        var manifest = Path.Combine(models, "mnist", "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["latentSize"] = 10;
        json.AsObject().Remove("prior"); // a prior of the old size would be refused first, for itself
        File.WriteAllText(manifest, json.ToJsonString());

        var error = StartFails();

        Assert.Contains(Path.Combine(models, "mnist", "encoder.onnx"), error, StringComparison.Ordinal);
        Assert.Contains("model.json implies float32[-1,10]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void APriorOfAnotherLatentSizeIsNamed()
    {
        var manifest = Path.Combine(models, "mnist", "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["latentSize"] = 10;
        File.WriteAllText(manifest, json.ToJsonString());

        var error = StartFails();

        Assert.Contains($"{manifest}: prior.components[0].mean must hold 10 finite numbers (the latent size)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingDecoderIsNamed()
    {
        File.Delete(Path.Combine(models, "mnist", "decoder.onnx"));

        Assert.Contains(Path.Combine(models, "mnist", "decoder.onnx") + ": file not found", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableModelJsonIsNamed()
    {
        File.WriteAllText(Path.Combine(models, "mnist", "model.json"), "{ not json");

        Assert.Contains(Path.Combine(models, "mnist", "model.json") + ": not a valid model.json", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyModelsDirectoryRefusesToStart()
    {
        Directory.Delete(Path.Combine(models, "mnist"), recursive: true);

        Assert.Contains("no model folders", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void AVersionPolicyThatSaysSomethingElseIsNamed()
    {
        MoveIntoVersion("mnist", 1);
        var policy = Path.Combine(models, "mnist", "version-policy.json");
        File.WriteAllText(policy, """{"latest": 0}""");

        Assert.Contains($"{policy}: a version policy is one of", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void AVersionPolicyThatNamesNoVersionThereIsIsNamed()
    {
        MoveIntoVersion("mnist", 1);
        var policy = Path.Combine(models, "mnist", "version-policy.json");
        File.WriteAllText(policy, """{"specific": [2, 3]}""");

        Assert.Contains($"{policy}: names none of the versions there are (1)", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void AModelFolderWithBothLayoutsRefusesToStart()
    {
        MoveIntoVersion("mnist", 2);
        CopyBundledModel("mnist");

        Assert.Contains($"{Path.Combine(models, "mnist")}: holds both model.json and version folders (2)", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FoldersWhoseNamesStartWithADotAreIgnoredAsTheTrainerWritesThere()
    {
        // As the trainer leaves them mid-write: a flat model still missing its decoder, and a version folder's.
        var staging = Path.Combine(models, ".digits.partial-42");
        CopyBundledModel("mnist", ".digits.partial-42");
        File.Delete(Path.Combine(staging, "decoder.onnx"));
        MoveIntoVersion("mnist", 1);
        CopyBundledModel("mnist", Path.Combine("mnist", ".2.partial-42"));
        File.Delete(Path.Combine(models, "mnist", ".2.partial-42", "decoder.onnx"));
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models });
        using var client = factory.CreateClient();

        var list = JsonNode.Parse(await client.GetStringAsync("/models"))!.AsArray();

        var served = Assert.Single(list)!;
        Assert.Equal("mnist", (string)served["name"]!);
        Assert.Equal("[1]", served["versions"]!.ToJsonString());
    }

    [Fact]
    public void AnUnknownDefaultModelRefusesToStart()
    {
        Assert.Contains("Models:Default names 'fashion'", StartFails(new() { ["Models:Default"] = "fashion" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralModelsAreServedAndTheDefaultIsConfigurable()
    {
        CopyBundledModel("mnist", "digits");
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models, ["Models:Default"] = "digits" });
        using var client = factory.CreateClient();

        var body = await client.GetStringAsync("/models");

        var list = JsonNode.Parse(body)!.AsArray();
        Assert.Equal(["digits", "mnist"], list.Select(model => (string)model!["name"]!));
        Assert.True((bool)list[0]!["isDefault"]!);
    }

    [Fact]
    public void ALatentMapMadeForOtherLatentsIsNamed()
    {
        var path = Path.Combine(models, "mnist", "latent-map.json");
        var map = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.ModelsDirectory, "mnist", "latent-map.json")))!;
        map["mean"] = new JsonArray(1, 2, 3);
        File.WriteAllText(path, map.ToJsonString());

        Assert.Contains(path + ": does not fit model.json: its mean has 3 numbers, but the model's latents have 20", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelWithoutALatentMapIsServedAndSaysSo()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models });
        using var client = factory.CreateClient();

        var list = JsonNode.Parse(await client.GetStringAsync("/models"))!.AsArray();
        using var map = await client.GetAsync("/models/mnist/latent-map");

        Assert.False((bool)list[0]!["hasLatentMap"]!);
        await map.AssertProblemAsync(404, "Model 'mnist' has no latent map");
    }

    [Fact]
    public async Task AVariationalEncoderIsServedWhenModelJsonNamesItsLogVarianceOutput()
    {
        AddEncoderOutput("logVariance");
        SetVariational("logVariance");
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models });
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/encode", new ByteArrayContent(File.ReadAllBytes(Path.Combine(TestData.RepositoryRoot, "samples", "digit-0-label-7.png"))) { Headers = { ContentType = new("image/png") } });

        response.EnsureSuccessStatusCode();
        Assert.Equal(20, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["latent"]!.AsArray().Count);
    }

    [Fact]
    public void AnEncoderOutputThatModelJsonDoesNotNameIsRefused()
    {
        AddEncoderOutput("logVariance");

        var error = StartFails();

        Assert.Contains(Path.Combine(models, "mnist", "encoder.onnx") + ": expected one output named 'latent' (as model.json says), found: latent, logVariance", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "logVariance")]
    [InlineData(true, "variance")]
    public void ALogVarianceOutputThatModelJsonNamesButTheEncoderLacksIsRefused(bool encoderHasSecondOutput, string namedInModelJson)
    {
        if (encoderHasSecondOutput)
        {
            AddEncoderOutput("logVariance");
        }

        SetVariational(namedInModelJson);

        var error = StartFails();

        Assert.Contains(
            Path.Combine(models, "mnist", "encoder.onnx") + $": expected 2 outputs named 'latent' and '{namedInModelJson}' (as model.json says, its variational naming the second)",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void APageWhoseFilesAreNotInTheWebRootRefusesToStart()
    {
        // As a publish started from another folder: no wwwroot in the content root, no build manifest to find it by.
        var error = StartFails(new()
        {
            [WebHostDefaults.WebRootKey] = models + "-no-web-root",
            [WebHostDefaults.StaticWebAssetsKey] = models + "-no-manifest.json",
        });

        Assert.Contains("of the page's", error, StringComparison.Ordinal);
        Assert.Contains("(app.js, app.js.gz, index.html, ...) are not in the web root", error, StringComparison.Ordinal);
    }

    /// <summary>Turns the model folder <paramref name="name"/> into one holding its files as <paramref name="version"/>.</summary>
    private void MoveIntoVersion(string name, long version)
    {
        var folder = Path.Combine(models, name);
        var moved = Path.Combine(models, name + ".moving");
        Directory.Move(folder, moved);
        Directory.CreateDirectory(folder);
        Directory.Move(moved, Path.Combine(folder, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private string StartFails(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []) { ["Models:Directory"] = models };
        using var factory = new ConfiguredApiFactory(all);
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        // The host logs why it failed to start; the exception that reaches the test is usually that reason, but
        // it can also be a consequence of the failed start, so both are searched.
        return string.Join('\n', factory.Logs.Events.Where(e => e.Exception is not null).Select(e => e.Exception!.ToString()).Prepend(error.ToString()));
    }

    /// <summary>Gives the copied encoder a second output, a copy of its latent, as a variational encoder has its log-variance.</summary>
    private void AddEncoderOutput(string name)
    {
        var path = Path.Combine(models, "mnist", "encoder.onnx");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var latent = model.Graph.Output.Single();
        model.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = name, Input = { latent.Name }, Output = { name } });
        var second = latent.Clone();
        second.Name = name;
        model.Graph.Output.Add(second);
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private void SetVariational(string logVarianceOutput)
    {
        var manifest = Path.Combine(models, "mnist", "model.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["variational"] = new JsonObject
        {
            ["logVarianceOutput"] = logVarianceOutput,
            ["testNegativeElbo"] = 100.0,
            ["testReconstructionNats"] = 80.0,
            ["testKlNats"] = 20.0,
            ["pixels"] = "continuous [0,1] under a Bernoulli decoder",
            ["klWarmupEpochs"] = 5,
        };
        File.WriteAllText(manifest, json.ToJsonString());
    }

    private void CopyBundledModel(string name, string? copyName = null)
    {
        var target = Path.Combine(models, copyName ?? name);
        Directory.CreateDirectory(target);
        foreach (var file in new[] { "encoder.onnx", "decoder.onnx", "model.json" })
        {
            File.Copy(Path.Combine(TestData.ModelsDirectory, name, file), Path.Combine(target, file));
        }
    }
}
