using System.Text.Json.Nodes;
using Autoencoder.Api.Tests.Repository;
using Autoencoder.Core;
using SixLabors.ImageSharp.PixelFormats;
using static Autoencoder.Api.Tests.OpenInference.ProtocolErrors;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// A model.json whose image the service cannot serve, or that disagrees with its ONNX files, is refused when the model
/// loads, at start or by the live repository, with a message naming the file and the field: never a 500 at the first image.
/// </summary>
public sealed class ImageShapeValidationTests : IDisposable
{
    private readonly string models = Path.Combine(Path.GetTempPath(), "autoencoder-models-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(models))
        {
            Directory.Delete(models, recursive: true);
        }
    }

    [Fact]
    public void ChannelsOtherThanOneOrThreeAreRefusedNamingTheField()
    {
        CopiedModelsFactory.Copy(models, new CopiedModel("mnist", "mnist", manifest => manifest["image"]!["channels"] = 2));

        var error = StartFails();

        Assert.Contains($"{Path.Combine(models, "mnist", "model.json")}: image.channels is 2; the service serves images of 1 channel (gray) or 3 (colour)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AColourModelJsonOverAGrayModelsFilesNamesTheEncoderAndTheFields()
    {
        CopiedModelsFactory.Copy(models, new CopiedModel("mnist", "mnist", ColourOverGray));

        var error = StartFails();

        Assert.Contains(
            $"{Path.Combine(models, "mnist", "encoder.onnx")}: input 'image' is Single[-1,1,28,28], but model.json implies float32[-1,3,28,28] (from its image.channels, image.height and image.width",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void ASizeThatDisagreesWithTheOnnxFilesNamesTheEncoderAndTheFields()
    {
        IdentityModels.Write(Path.Combine(models, "colour"), "colour", ShapedModels.Colour, "fit", ShapedModels.Template, manifest => manifest["image"]!["height"] = 9);

        var error = StartFails();

        Assert.Contains(
            $"{Path.Combine(models, "colour", "encoder.onnx")}: input 'image' is Single[-1,3,8,10], but model.json implies float32[-1,3,9,10] (from its image.channels, image.height and image.width",
            error,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("imageHandling", "mnist-digit", "imageHandling 'mnist-digit' prepares gray digits and image.channels is 3")]
    [InlineData("channelOrder", "GBR", "image.channelOrder must be one of RGB, BGR (default RGB), not 'GBR'")]
    public void AColourModelJsonTheServiceCannotFollowIsRefused(string field, string value, string problem)
    {
        IdentityModels.Write(Path.Combine(models, "colour"), "colour", ShapedModels.Colour, "fit", ShapedModels.Template, manifest =>
        {
            var owner = field == "channelOrder" ? manifest["image"]! : manifest;
            owner[field] = value;
        });

        Assert.Contains($"{Path.Combine(models, "colour", "model.json")}: {problem}", StartFails(), StringComparison.Ordinal);
    }

    [Fact]
    public void ALatentMapWhoseExamplesAreNotTheModelsPicturesIsRefused()
    {
        var folder = Path.Combine(models, "colour");
        IdentityModels.Write(folder, "colour", ShapedModels.Colour, "fit", ShapedModels.Template);
        var map = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "latent-map.json")))!;
        map["examples"]![0]!["image"] = Convert.ToBase64String(IdentityModels.Picture(new ImageShape(1, 8, 10), new Rgb24(255, 255, 255)));
        File.WriteAllText(Path.Combine(folder, "latent-map.json"), map.ToJsonString());

        Assert.Contains(
            $"{Path.Combine(folder, "latent-map.json")}: does not fit model.json: examples[0].image is a 10x8 PNG of colour type 0 and bit depth 8, but image in model.json asks for an 8-bit RGB (colour type 2) PNG of 10x8",
            StartFails(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLiveRepositoryRefusesToLoadAColourModelJsonOverGrayFilesAndKeepsServing()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits/1"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var before = await client.LatentAsync("digits");

        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist", "digits/2", ColourOverGray));
        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            await AssertErrorAsync(load, 400, "image.channels, image.height and image.width");
        }

        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist", "odd", manifest => manifest["image"]!["channels"] = 4));
        using (var load = await control.PostAsync("/v2/repository/models/odd/load", null))
        {
            await AssertErrorAsync(load, 400, "image.channels is 4");
        }

        Assert.Equal(before, await client.LatentAsync("digits"));
    }

    /// <summary>A gray model's model.json made to say colour, with a colour model's image handling.</summary>
    private static void ColourOverGray(JsonNode manifest)
    {
        manifest["image"]!["channels"] = 3;
        manifest["imageHandling"] = "fit";
    }

    private string StartFails()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        return string.Join('\n', factory.Logs.Events.Where(e => e.Exception is not null).Select(e => e.Exception!.ToString()).Prepend(error.ToString()));
    }
}
