using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Api.Tests;

/// <summary>The model the repository ships is what its model.json says it is.</summary>
public sealed class BundledModelTests
{
    [Fact]
    public void ItsStatedTestErrorIsWhatItsOnnxFilesScoreOnAllOfMnistT10k()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.ModelsDirectory, "mnist", "model.json")));
        var stated = manifest.RootElement.GetProperty("metrics").GetProperty("bestValidation").GetProperty("unit").GetDouble();
        using var encoder = new InferenceSession(Path.Combine(TestData.ModelsDirectory, "mnist", "encoder.onnx"));
        using var decoder = new InferenceSession(Path.Combine(TestData.ModelsDirectory, "mnist", "decoder.onnx"));

        const int count = 10_000;
        var images = Enumerable.Range(0, count).SelectMany(Digits.ModelInput).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(images, [count, 1, 28, 28]);
        using var runOptions = new RunOptions();
        using var latents = encoder.Run(runOptions, ["image"], [input], ["latent"]);
        using var outputs = decoder.Run(runOptions, ["latent"], [latents[0]], ["image"]);
        var reconstructions = outputs[0].GetTensorDataAsSpan<float>();
        double sum = 0;
        for (var i = 0; i < images.Length; i++)
        {
            var difference = (double)reconstructions[i] - images[i];
            sum += difference * difference;
        }

        var measured = sum / images.Length;
        Assert.Equal(stated, measured, 1e-5);
        Assert.True(measured <= 0.0130, $"test MSE {measured:F5} misses the 0.0130 target");
        Assert.Equal("default", manifest.RootElement.GetProperty("recipe").GetProperty("name").GetString());
        Assert.Equal(10_000, manifest.RootElement.GetProperty("dataset").GetProperty("trainImages").GetInt32());
    }
}
