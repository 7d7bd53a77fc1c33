using System.Net;
using Autoencoder.Api.Inference;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Inference;

/// <summary>With batching on, concurrent callers get exactly what each would get alone.</summary>
public sealed class BatchingCorrectnessTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    /// <summary>
    /// Without a delay, whether requests share a batch depends on timing (a caller that finds the model idle runs
    /// alone); a delay makes sharing certain, so only then does the test insist on it.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    public async Task FiveHundredConcurrentCallersEachGetTheOutputOfALoneCall(int delayMicroseconds)
    {
        using var delayed = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Batching:MaxDelayMicroseconds"] = $"{delayMicroseconds}" });
        using var client = delayed.CreateClient();
        var model = delayed.Services.GetRequiredService<ModelRegistry>().All.Single(model => model.Name == "mnist");
        var inputs = Enumerable.Range(0, 500).Select(Digits.ModelInput).ToArray();
        var alone = inputs.Select(input => model.Decode(model.Encode(input, 1), 1)).ToArray();
        var batchesBefore = model.BatchedRuns;

        var together = await Task.WhenAll(inputs.Select(input => Task.Run(async () =>
        {
            var latent = await model.EncodeAsync(input, 1, CancellationToken.None);
            return await model.DecodeAsync(latent, 1, CancellationToken.None);
        })));

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(alone[i], together[i]);
        }

        if (delayMicroseconds > 0)
        {
            Assert.True(model.BatchedRuns - batchesBefore < 2 * inputs.Length, "no two requests were ever batched together");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    public async Task FiveHundredConcurrentReconstructionsThroughBothStagesAtOnceEachGetTheirOwnLatentAndImage(int delayMicroseconds)
    {
        using var delayed = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Batching:MaxDelayMicroseconds"] = $"{delayMicroseconds}" });
        using var client = delayed.CreateClient();
        var model = delayed.Services.GetRequiredService<ModelRegistry>().All.Single(model => model.Name == "mnist");
        var inputs = Enumerable.Range(0, 500).Select(Digits.ModelInput).ToArray();
        var latents = inputs.Select(input => model.Encode(input, 1)).ToArray();
        var images = latents.Select(latent => model.Decode(latent, 1)).ToArray();
        var batchesBefore = model.BatchedRuns;

        var together = await Task.WhenAll(inputs.Select(input => Task.Run(() => model.ReconstructAsync(input, 1, CancellationToken.None))));

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(latents[i], together[i].Latents);
            Assert.Equal(images[i], together[i].Images);
        }

        if (delayMicroseconds > 0)
        {
            Assert.True(model.BatchedRuns - batchesBefore < 2 * inputs.Length, "no two requests were ever batched together");
        }
    }

    [Fact]
    public async Task ConcurrentHttpReconstructionsEachMatchTheirOwnDigitAndItsDecoding()
    {
        using var client = factory.CreateClient();
        using var onnx = new DirectOnnx();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(async index =>
        {
            using var response = await client.PostAsync("/reconstruct", Raw(Digits.Png(index), "image/png"), "application/json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await response.JsonAsync();
            return (index, latent: json.GetProperty("latent").Floats(), image: json.GetProperty("image").GetString());
        }));

        foreach (var (index, latent, image) in responses)
        {
            var expected = onnx.Encode(Digits.ModelInput(index));
            Assert.Equal(expected, latent);
            Assert.Equal(Convert.ToBase64String(Autoencoder.Api.Images.PngImages.Encode(onnx.Decode(expected), 28, 28)), image);
        }
    }
}
