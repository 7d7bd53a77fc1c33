using System.Net.Http.Headers;
using Autoencoder.Api.Inference;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.OpenInference.ProtocolErrors;

namespace Autoencoder.Api.Tests.Repository;

/// <summary>Models:Control explicit: the repository calls load, reload and unload models while the service serves.</summary>
public sealed class ExplicitControlTests
{
    [Fact]
    public async Task RepositoryCallsAreClosedWithoutTheControlKey()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits"), new CopiedModel("mnist-conv", "other"));
        using var client = factory.CreateClient();

        foreach (var path in (string[])["/v2/repository/index", "/v2/repository/models/other/load", "/v2/repository/models/other/unload"])
        {
            using var none = await client.PostAsync(path, null);
            await AssertErrorAsync(none, 401, "Authorization: Bearer");
            Assert.Equal("Bearer", Assert.Single(none.Headers.WwwAuthenticate).Scheme);

            using var wrong = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", LiveRepositoryFactory.Key + "x") } };
            using var refused = await client.SendAsync(wrong);
            await AssertErrorAsync(refused, 403, "not the service's control key");

            using var basic = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { Authorization = new AuthenticationHeaderValue("Basic", LiveRepositoryFactory.Key) } };
            using var notBearer = await client.SendAsync(basic);
            await AssertErrorAsync(notBearer, 401, "Authorization: Bearer");
        }

        // Nothing was unloaded by the refused calls.
        Assert.Equal(1, await client.ServedVersionAsync("other"));
    }

    [Fact]
    public async Task WithoutAConfiguredKeyEveryRepositoryCallIsForbidden()
    {
        await using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Models:Control"] = "explicit" });
        using var client = factory.CreateClient();
        using var index = await client.PostAsync("/v2/repository/index", null);
        await AssertErrorAsync(index, 403, "no Models:ControlKey configured");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
        using var unload = await client.PostAsync("/v2/repository/models/fashion/unload", null);
        await AssertErrorAsync(unload, 403, "no Models:ControlKey configured");
        Assert.Equal(1, await client.ServedVersionAsync("fashion"));
    }

    [Fact]
    public async Task WithoutControlTheModelsDoNotChange()
    {
        await using var factory = new LiveRepositoryFactory("none", new CopiedModel("mnist", "digits"), new CopiedModel("mnist-conv", "other"));
        using var control = factory.ControlClient();

        using var load = await control.PostAsync("/v2/repository/models/other/load", null);
        await AssertErrorAsync(load, 409, "Models:Control is none");
        using var unload = await control.PostAsync("/v2/repository/models/other/unload", null);
        await AssertErrorAsync(unload, 409, "Models:Control is none");

        var index = await control.IndexAsync();
        Assert.Equal(("READY", ""), index["digits/1"]);
        Assert.Equal(("READY", ""), index["other/1"]);
    }

    [Fact]
    public async Task LoadServesANewModelAndANewVersionReplacesTheOldOneWithoutARestart()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits/1"), new CopiedModel("mnist-conv", "conv"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var fc = await client.LatentAsync("digits");
        var conv = await client.LatentAsync("conv");

        // Explicit control does not watch the folder: what is copied in serves once loaded.
        factory.Add("mnist-conv", "digits/2");
        factory.Add("fashion", "clothes");
        Assert.Equal(fc, await client.LatentAsync("digits"));
        using (var missing = await client.PostAsync("/encode?model=clothes", HttpExtensions.PngForm("image", Digits.Png(0))))
        {
            await missing.AssertProblemAsync(404, "There is no model 'clothes'");
        }

        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            Assert.Equal(200, (int)load.StatusCode);
        }

        using (var load = await control.PostAsync("/v2/repository/models/clothes/load", null))
        {
            Assert.Equal(200, (int)load.StatusCode);
        }

        Assert.Equal(conv, await client.LatentAsync("digits"));
        Assert.Equal(2, await client.ServedVersionAsync("digits"));
        Assert.Equal(20, (await client.LatentAsync("clothes")).Length);
        using (var protocol = await client.GetAsync("/v2/models/digits-encoder/versions/2/ready"))
        {
            Assert.Equal(200, (int)protocol.StatusCode);
        }

        var index = await control.IndexAsync();
        Assert.Equal(("READY", ""), index["digits/2"]);
        Assert.Equal("UNAVAILABLE", index["digits/1"].State);
        Assert.Contains("unloaded", index["digits/1"].Reason, StringComparison.Ordinal);
        Assert.Equal(("READY", ""), index["clothes/1"]);

        using var ready = await control.PostAsync("/v2/repository/index", new StringContent("""{"ready": true}""", System.Text.Encoding.UTF8, "application/json"));
        var readyNames = (await ready.JsonAsync()).EnumerateArray().Select(entry => entry.GetProperty("name").GetString() + "/" + entry.GetProperty("version").GetString());
        Assert.Equal(["clothes/1", "conv/1", "digits/2"], readyNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AModelThatFailsToLoadChangesNothingThatServesAndTheServiceStaysReady()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits/1"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var before = await client.LatentAsync("digits");

        // A truncated decoder: a new model that cannot load.
        factory.Add("mnist", "broken");
        Truncate(Path.Combine(factory.Folder, "broken", "decoder.onnx"));
        using (var load = await control.PostAsync("/v2/repository/models/broken/load", null))
        {
            await AssertErrorAsync(load, 400, "failed to load 'broken'");
            await AssertErrorAsync(load, 400, "decoder.onnx");
        }

        // A model.json that disagrees with its ONNX files: a new version that cannot load; the old one keeps serving.
        CopiedModelsFactory.Copy(factory.Folder, new CopiedModel("mnist", "digits/2", manifest => { manifest["latentSize"] = 7; manifest.AsObject().Remove("prior"); }));
        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            await AssertErrorAsync(load, 400, "model.json implies");
        }

        // A served version whose files went bad: loading it again fails, and the copy loaded before still serves.
        System.IO.Directory.Delete(Path.Combine(factory.Folder, "digits", "2"), recursive: true);
        File.WriteAllText(Path.Combine(factory.Folder, "digits", "1", "encoder.onnx"), "not an onnx file");
        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            await AssertErrorAsync(load, 400, "encoder.onnx");
        }

        Assert.Equal(before, await client.LatentAsync("digits"));
        var index = await control.IndexAsync();
        Assert.Equal("UNAVAILABLE", index["broken/1"].State);
        Assert.Contains("decoder.onnx", index["broken/1"].Reason, StringComparison.Ordinal);
        Assert.Equal("READY", index["digits/1"].State);
        Assert.Contains("serving the copy loaded before", index["digits/1"].Reason, StringComparison.Ordinal);

        using var health = await client.GetAsync("/health/ready");
        Assert.Equal(200, (int)health.StatusCode);
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("autoencoder_model_loads_total{model=\"broken\",outcome=\"failed\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("autoencoder_model_loads_total{model=\"digits\",outcome=\"failed\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains(factory.Logs.Events, log => log.MessageTemplate.Text.StartsWith("Model {Model} version {Version} failed to load", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnloadStopsServingAModelButNotTheDefaultOneAndARequiredModelDecidesReadiness()
    {
        await using var factory = new LiveRepositoryFactory(
            "explicit", new Dictionary<string, string?> { ["Models:Required:0"] = "other" }, new CopiedModel("mnist", "digits"), new CopiedModel("mnist-conv", "other"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();

        using (var unload = await control.PostAsync("/v2/repository/models/other/unload", null))
        {
            Assert.Equal(200, (int)unload.StatusCode);
        }

        using (var gone = await client.PostAsync("/encode?model=other", HttpExtensions.PngForm("image", Digits.Png(0))))
        {
            await gone.AssertProblemAsync(404, "There is no model 'other'. Models: digits.");
        }

        Assert.Equal(("UNAVAILABLE", "unloaded"), (await control.IndexAsync())["other/1"]);
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(503, (int)ready.StatusCode);
            Assert.Contains("required model(s) not loaded: other", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var protocolReady = await client.GetAsync("/v2/health/ready"))
        {
            Assert.Equal(503, (int)protocolReady.StatusCode);
        }

        using (var unloadDefault = await control.PostAsync("/v2/repository/models/digits/unload", null))
        {
            await AssertErrorAsync(unloadDefault, 409, "'digits' is the default model");
        }

        using (var unknown = await control.PostAsync("/v2/repository/models/nothing/unload", null))
        {
            await AssertErrorAsync(unknown, 404, "There is no model 'nothing'");
        }

        using (var outside = await control.PostAsync("/v2/repository/models/..%2Fdigits/load", null))
        {
            await AssertErrorAsync(outside, 400, "is not a model name");
        }

        using (var load = await control.PostAsync("/v2/repository/models/other/load", null))
        {
            Assert.Equal(200, (int)load.StatusCode);
        }

        using var readyAgain = await client.GetAsync("/health/ready");
        Assert.Equal(200, (int)readyAgain.StatusCode);
        Assert.Equal(20, (await client.LatentAsync("other")).Length);
    }

    [Fact]
    public async Task AReplacedVersionFinishesTheRequestsOnItAndIsDisposedAfterTheLast()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits"));
        using var control = factory.ControlClient();
        var registry = factory.Services.GetRequiredService<ModelRegistry>();

        var lease = registry.Lease("digits");
        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            Assert.Equal(200, (int)load.StatusCode);
        }

        var replacement = registry.Get("digits");
        Assert.NotSame(lease.Model, replacement);
        Assert.False(lease.Model.IsDisposed);
        Assert.Equal(20, lease.Model.Encode(new float[lease.Model.PixelCount], 1).Length);

        lease.Dispose();
        Assert.True(lease.Model.IsDisposed);
        Assert.False(replacement.IsDisposed);
    }

    [Fact]
    public async Task AStreamedAnswerStartedBeforeASwapIsWrittenWholeByTheVersionItStartedOn()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var registry = factory.Services.GetRequiredService<ModelRegistry>();
        var old = registry.Get("digits");
        const int count = 20_000;

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/generate?count={count}&seed=5") { Headers = { { "Accept", "application/x-idx" } } };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var start = new byte[4096];
        await body.ReadExactlyAsync(start);

        using (var load = await control.PostAsync("/v2/repository/models/digits/load", null))
        {
            Assert.Equal(200, (int)load.StatusCode);
        }

        Assert.NotSame(old, registry.Get("digits"));
        Assert.False(old.IsDisposed);
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest);
        Assert.Equal(16 + (count * 28 * 28), start.Length + rest.Length);

        await Poll.UntilAsync(() => old.IsDisposed, "the replaced version was not disposed after its last request");
    }

    [Fact]
    public async Task RequestsAcrossSwapsAreEachAnsweredByExactlyOneVersionAndNoneFails()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits/1"), new CopiedModel("mnist-conv", "conv"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        var fc = await client.LatentAsync("digits");
        var conv = await client.LatentAsync("conv");

        using var stop = new CancellationTokenSource();
        var answers = new System.Collections.Concurrent.ConcurrentBag<float[]>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var load = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.PostAsync("/encode?model=digits", HttpExtensions.PngForm("image", Digits.Png(0)));
                if (!response.IsSuccessStatusCode)
                {
                    failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                answers.Add((await response.JsonAsync()).GetProperty("latent").Floats());
            }
        })).ToList();

        // Version 2 added, then removed, again and again: each load switches what serves under the running requests.
        for (var swap = 0; swap < 6; swap++)
        {
            if (swap % 2 == 0)
            {
                factory.Add("mnist-conv", "digits/2");
            }
            else
            {
                System.IO.Directory.Delete(Path.Combine(factory.Folder, "digits", "2"), recursive: true);
            }

            var before = answers.Count;
            using var swapped = await control.PostAsync("/v2/repository/models/digits/load", null);
            Assert.Equal(200, (int)swapped.StatusCode);
            await Poll.UntilAsync(() => answers.Count > before + 10, "requests stopped being answered after a swap");
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.All(answers, latent => Assert.True(latent.SequenceEqual(fc) || latent.SequenceEqual(conv), "an answer from neither version"));
        Assert.Contains(answers, latent => latent.SequenceEqual(fc));
        Assert.Contains(answers, latent => latent.SequenceEqual(conv));
        Assert.Equal(fc, await client.LatentAsync("digits"));
    }

    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }
}
