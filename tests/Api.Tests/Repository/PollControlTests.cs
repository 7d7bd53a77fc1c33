using Autoencoder.Api.Tests.OpenInference;

namespace Autoencoder.Api.Tests.Repository;

/// <summary>Models:Control poll: the service follows its models folder, and never loads files still being written.</summary>
public sealed class PollControlTests
{
    [Fact]
    public async Task ANewModelAndANewVersionServeOnceCopiedInAndARemovedOneIsUnloaded()
    {
        await using var factory = new LiveRepositoryFactory("poll", new CopiedModel("mnist", "digits/1"), new CopiedModel("mnist-conv", "conv"));
        using var client = factory.CreateClient();
        var conv = await client.LatentAsync("conv");

        factory.Add("mnist-conv", "digits/2");
        factory.Add("fashion", "clothes");
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("digits") == 2, "version 2 of digits was never served");
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("clothes") == 1, "the new model was never served");
        Assert.Equal(conv, await client.LatentAsync("digits"));

        System.IO.Directory.Delete(Path.Combine(factory.Folder, "clothes"), recursive: true);
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("clothes") == 0, "the removed model was still served");
        using var gone = await client.PostAsync("/encode?model=clothes", HttpExtensions.PngForm("image", Digits.Png(0)));
        await gone.AssertProblemAsync(404, "There is no model 'clothes'");

        // The policy decides which versions serve: both, once it says all.
        File.WriteAllText(Path.Combine(factory.Folder, "digits", "version-policy.json"), """{"all": true}""");
        await Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync("/models/digits");
            return (await response.JsonAsync()).GetProperty("versions").GetArrayLength() == 2;
        }, "the policy's versions were never both served");
    }

    [Fact]
    public async Task AModelStillBeingCopiedIsNotLoadedUntilItsFilesAreCompleteAndSettled()
    {
        await using var factory = new LiveRepositoryFactory("poll", new CopiedModel("mnist", "digits/1"), new CopiedModel("mnist-conv", "conv"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var fc = await client.LatentAsync("digits");
        var conv = await client.LatentAsync("conv");

        // The version folder appears with model.json and the encoder; the decoder is written a few kilobytes at a time,
        // more slowly than the settling time lets a file rest, as a slow copy would.
        var source = Path.Combine(TestData.ModelsDirectory, "mnist-conv");
        var target = Path.Combine(factory.Folder, "digits", "2");
        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist-conv", "digits/2"));
        File.Delete(Path.Combine(target, "decoder.onnx"));
        await Poll.UntilAsync(async () => (await control.IndexAsync()).GetValueOrDefault("digits/2").State == "LOADING", "the incomplete version was not seen as loading");

        var decoder = File.ReadAllBytes(Path.Combine(source, "decoder.onnx"));
        var served = new List<long>();
        await using (var copy = new FileStream(Path.Combine(target, "decoder.onnx"), FileMode.CreateNew))
        {
            for (var offset = 0; offset < decoder.Length; offset += 64 * 1024)
            {
                await copy.WriteAsync(decoder.AsMemory(offset, Math.Min(64 * 1024, decoder.Length - offset)));
                await copy.FlushAsync();
                served.Add(await client.ServedVersionAsync("digits"));
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }

        Assert.All(served, version => Assert.Equal(1, version));
        Assert.Equal(fc, await client.LatentAsync("digits"));
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("digits") == 2, "the completed version was never served");
        Assert.Equal(conv, await client.LatentAsync("digits"));
        Assert.DoesNotContain("autoencoder_model_loads_total{model=\"digits\",outcome=\"failed\"}", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelFolderWhoseModelJsonIsNotThereYetIsAwaitedNotReportedBroken()
    {
        await using var factory = new LiveRepositoryFactory("poll", new CopiedModel("mnist", "digits"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();

        // The ONNX files first, model.json last, as a copy of the folder's files in that order makes it.
        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist-conv", "arriving"));
        var manifest = Path.Combine(factory.Folder, "arriving", "model.json");
        var text = File.ReadAllText(manifest);
        File.Delete(manifest);
        await Poll.UntilAsync(async () => (await control.IndexAsync()).GetValueOrDefault("arriving/").State == "LOADING", "the folder without model.json was not awaited");
        Assert.Contains("waiting for model.json", (await control.IndexAsync())["arriving/"].Reason, StringComparison.Ordinal);

        File.WriteAllText(manifest, text);
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("arriving") == 1, "the completed model was never served");
        Assert.DoesNotContain("arriving/", (await control.IndexAsync()).Keys);
        Assert.DoesNotContain("autoencoder_model_loads_total{model=\"arriving\",outcome=\"failed\"}", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorruptModelIsUnavailableWithItsReasonAndTheServiceStaysReady()
    {
        await using var factory = new LiveRepositoryFactory("poll", new CopiedModel("mnist", "digits"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();

        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist", "broken", manifest => { manifest["latentSize"] = 7; manifest.AsObject().Remove("prior"); }));
        await Poll.UntilAsync(async () => (await control.IndexAsync()).GetValueOrDefault("broken/1").State == "UNAVAILABLE", "the broken model was not reported");

        var reason = (await control.IndexAsync())["broken/1"].Reason;
        Assert.Contains("encoder.onnx", reason, StringComparison.Ordinal);
        Assert.Contains("model.json implies", reason, StringComparison.Ordinal);
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(200, (int)ready.StatusCode);

        // Reported once, not at every scan: a model added after it is served (two scans at least) and the count is 1.
        factory.Add("mnist-conv", "later");
        await Poll.UntilAsync(async () => await client.ServedVersionAsync("later") == 1, "a model added later was never served");
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("autoencoder_model_loads_total{model=\"broken\",outcome=\"failed\"} 1", metrics, StringComparison.Ordinal);

        // Unload follows the folder in poll control, so the call is refused.
        using var unload = await control.PostAsync("/v2/repository/models/digits/unload", null);
        await ProtocolErrors.AssertErrorAsync(unload, 409, "Models:Control is poll");
    }
}
