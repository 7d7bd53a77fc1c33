using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Tests.Endpoints;
using Autoencoder.Api.Tests.Repository;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.HttpExtensions;
using static Autoencoder.Api.Tests.OpenInference.BinaryTensors;
using static Autoencoder.Api.Tests.OpenInference.ProtocolErrors;

namespace Autoencoder.Api.Tests.OpenInference;

/// <summary>
/// The protocol's statistics extension: every route that runs a model counts in its stages' statistics, per version.
/// Each test starts a service of its own, so the counts start at zero; no test measures time, only that time was counted.
/// </summary>
public sealed class StatisticsTests
{
    private static readonly string[] DurationNames = ["success", "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit"];

    [Fact]
    public async Task EveryRouteCountsItsRequestsRowsAndRunsInEachStageItUses()
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        using var client = factory.CreateClient();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // The warm-up at load is no client's: nothing is counted before the first request.
        var fresh = await StatisticsAsync(client, "/v2/models/mnist-encoder/stats");
        AssertCounts(Assert.Single(fresh), "mnist-encoder", "1", success: 0, inferences: 0, executions: 0, queued: 0);
        Assert.Equal(0, Assert.Single(fresh).GetProperty("last_inference").GetInt64());

        using (var encode = await client.PostAsync("/encode", PngForm("image", Digits.Png(0))))
        {
            Assert.Equal(HttpStatusCode.OK, encode.StatusCode);
        }

        using (var reconstruct = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(1))))
        {
            Assert.Equal(HttpStatusCode.OK, reconstruct.StatusCode);
        }

        // Five images in one request: one success, five inferences, one run (a window of one chunk, not batched).
        using (var bulk = await client.PostAsync("/encode", Raw(TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 5), "application/x-idx")))
        {
            Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
            Assert.Equal(5, (await bulk.JsonAsync()).GetProperty("count").GetInt32());
        }

        using (var infer = await client.PostAsync("/v2/models/mnist-encoder/infer", Json(EncoderRequest(3))))
        {
            Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        }

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var all = await StatisticsAsync(client, "/v2/models/stats");
        Assert.Equal(["mnist-decoder", "mnist-encoder"], all.Select(model => model.GetProperty("name").GetString()));

        // Encoder: /encode, /reconstruct, the file and the infer; all but the file went through the batcher.
        var encoder = all[1];
        AssertCounts(encoder, "mnist-encoder", "1", success: 4, inferences: 1 + 1 + 5 + 3, executions: 4, queued: 3);
        Assert.InRange(encoder.GetProperty("last_inference").GetInt64(), before, after);

        // Decoder: /reconstruct alone.
        var decoder = all[0];
        AssertCounts(decoder, "mnist-decoder", "1", success: 1, inferences: 1, executions: 1, queued: 1);
        Assert.InRange(decoder.GetProperty("last_inference").GetInt64(), before, after);

        // The version's route answers the same entry.
        var version = Assert.Single(await StatisticsAsync(client, "/v2/models/mnist-encoder/versions/1/stats"));
        AssertCounts(version, "mnist-encoder", "1", success: 4, inferences: 10, executions: 4, queued: 3);
    }

    [Fact]
    public async Task TheAnswerIsTritonsJsonWithTheNamesItUses()
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/v2/models/mnist-decoder/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["model_stats"], body.EnumerateObject().Select(member => member.Name));
        var model = Assert.Single(body.GetProperty("model_stats").EnumerateArray());
        Assert.Equal(
            ["name", "version", "last_inference", "inference_count", "execution_count", "inference_stats", "batch_stats"],
            model.EnumerateObject().Select(member => member.Name));
        Assert.Equal(DurationNames, model.GetProperty("inference_stats").EnumerateObject().Select(member => member.Name));
        foreach (var duration in model.GetProperty("inference_stats").EnumerateObject())
        {
            Assert.Equal(["count", "ns"], duration.Value.EnumerateObject().Select(member => member.Name));
        }

        Assert.Equal(0, model.GetProperty("batch_stats").GetArrayLength());
    }

    [Fact]
    public async Task ARequestRefusedBeforeTheModelRunsIsNotCounted()
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        using var client = factory.CreateClient();
        var pixels = new float[3 * 784];
        pixels[5] = 2;

        using var refused = await client.PostAsync("/v2/models/mnist-encoder/infer", Json(EncoderRequest(3, pixels)));

        await AssertErrorAsync(refused, 400, "Pixels must be in [0, 1]");
        AssertCounts(Assert.Single(await StatisticsAsync(client, "/v2/models/mnist-encoder/stats")), "mnist-encoder", "1", success: 0, inferences: 0, executions: 0, queued: 0);
    }

    [Fact]
    public async Task ARequestCancelledInTheStageCountsAsFailedWithNoInferences()
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        using var client = factory.CreateClient();
        var service = factory.Services.GetRequiredService<AutoencoderService>();
        var model = service.Model("mnist");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // One request the batcher takes, and one larger than a chunk, run in chunks.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.EncodeManyAsync(model, new float[3 * 784], 3, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.EncodeManyAsync(model, new float[300 * 784], 300, cancelled.Token));

        var encoder = Assert.Single(await StatisticsAsync(client, "/v2/models/mnist-encoder/stats"));
        AssertCounts(encoder, "mnist-encoder", "1", success: 0, inferences: 0, executions: 0, queued: 0, failed: 2);
        Assert.True(encoder.GetProperty("last_inference").GetInt64() > 0);
    }

    [Theory]
    [InlineData("/v2/models/cifar-encoder/stats", "There is no model 'cifar-encoder'. Models: mnist-decoder, mnist-encoder.")]
    [InlineData("/v2/models/mnist/stats", "There is no model 'mnist'.")]
    [InlineData("/v2/models/mnist-encoder/versions/2/stats", "Model 'mnist-encoder' has no version '2'; it has version 1.")]
    [InlineData("/v2/models/mnist-decoder/versions/latest/stats", "Model 'mnist-decoder' has no version 'latest'; it has version 1.")]
    public async Task AnUnknownModelOrVersionIs404WithTheProtocolsError(string url, string error)
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(url);

        await AssertErrorAsync(response, 404, error);
    }

    [Fact]
    public async Task EachServedVersionIsCountedApart()
    {
        await using var factory = new VersionedModelsFactory();
        using var client = factory.CreateClient();

        foreach (var version in new[] { 2, 2, 3 })
        {
            using var encode = await client.PostAsync($"/encode?model=digits&version={version}", PngForm("image", Digits.Png(0)));
            Assert.Equal(HttpStatusCode.OK, encode.StatusCode);
        }

        var encoder = await StatisticsAsync(client, "/v2/models/digits-encoder/stats");
        Assert.Equal(2, encoder.Count);
        AssertCounts(encoder[0], "digits-encoder", "2", success: 2, inferences: 2, executions: 2, queued: 2);
        AssertCounts(encoder[1], "digits-encoder", "3", success: 1, inferences: 1, executions: 1, queued: 1);
        var decoder = await StatisticsAsync(client, "/v2/models/digits-decoder/stats");
        Assert.Equal(["2", "3"], decoder.Select(entry => entry.GetProperty("version").GetString()));
        Assert.All(decoder, entry => Assert.Equal(0, entry.GetProperty("inference_stats").GetProperty("success").GetProperty("count").GetInt64()));

        var third = Assert.Single(await StatisticsAsync(client, "/v2/models/digits-encoder/versions/3/stats"));
        AssertCounts(third, "digits-encoder", "3", success: 1, inferences: 1, executions: 1, queued: 1);
        using var unserved = await client.GetAsync("/v2/models/digits-encoder/versions/1/stats");
        await AssertErrorAsync(unserved, 404, "Model 'digits-encoder' has no version '1'; it has versions 2, 3.");

        // All models: every served version of each, by name and version.
        var all = await StatisticsAsync(client, "/v2/models/stats");
        Assert.Equal(
            ["digits-decoder/2", "digits-decoder/3", "digits-encoder/2", "digits-encoder/3", "flat-decoder/1", "flat-encoder/1", "pinned-decoder/1", "pinned-encoder/1"],
            all.Select(entry => $"{entry.GetProperty("name").GetString()}/{entry.GetProperty("version").GetString()}"));
    }

    [Fact]
    public async Task AVersionLoadedAgainCountsOnAndAnUnloadedModelIsForgotten()
    {
        await using var factory = new LiveRepositoryFactory("explicit", new CopiedModel("mnist", "digits"), new CopiedModel("mnist-conv", "conv"));
        using var client = factory.CreateClient();
        using var control = factory.ControlClient();
        await client.LatentAsync("conv");

        // Loaded again from its folder: a new copy of version 1, its warm-up not counted.
        using (var load = await control.PostAsync("/v2/repository/models/conv/load", null))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        await client.LatentAsync("conv");
        AssertCounts(Assert.Single(await StatisticsAsync(client, "/v2/models/conv-encoder/stats")), "conv-encoder", "1", success: 2, inferences: 2, executions: 2, queued: 2);

        using (var unload = await control.PostAsync("/v2/repository/models/conv/unload", null))
        {
            Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        }

        using (var gone = await client.GetAsync("/v2/models/conv-encoder/stats"))
        {
            await AssertErrorAsync(gone, 404, "There is no model 'conv-encoder'. Models: digits-decoder, digits-encoder.");
        }

        Assert.Equal(["digits-decoder", "digits-encoder"], (await StatisticsAsync(client, "/v2/models/stats")).Select(entry => entry.GetProperty("name").GetString()));

        using (var load = await control.PostAsync("/v2/repository/models/conv/load", null))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        AssertCounts(Assert.Single(await StatisticsAsync(client, "/v2/models/conv-encoder/stats")), "conv-encoder", "1", success: 0, inferences: 0, executions: 0, queued: 0);
    }

    [Fact]
    public async Task AVersionWithoutAModelNameIsRefused()
    {
        await using var factory = new CopiedModelsFactory(new CopiedModel("mnist", "mnist"));
        var statistics = factory.Services.GetRequiredService<InferenceStatistics>();

        Assert.Equal(2, statistics.Snapshot().Count);
        Assert.Equal(2, statistics.Snapshot("", "").Count);
        var refused = Assert.Throws<Autoencoder.Api.Errors.ClientInputException>(() => statistics.Snapshot(null, "1"));
        Assert.Equal("Statistics of version '1' need a model name as well.", refused.Message);
    }

    /// <summary>
    /// The entry's counts as expected: requests, rows and runs, with time counted wherever something was counted
    /// (except the queue: a request that finds the stage idle waits for nothing).
    /// </summary>
    private static void AssertCounts(JsonElement model, string name, string version, long success, long inferences, long executions, long queued, long failed = 0)
    {
        Assert.Equal(name, model.GetProperty("name").GetString());
        Assert.Equal(version, model.GetProperty("version").GetString());
        Assert.Equal(inferences, model.GetProperty("inference_count").GetInt64());
        Assert.Equal(executions, model.GetProperty("execution_count").GetInt64());
        var stats = model.GetProperty("inference_stats");
        var expected = new Dictionary<string, long>
        {
            ["success"] = success,
            ["fail"] = failed,
            ["queue"] = queued,
            ["compute_input"] = executions,
            ["compute_infer"] = executions,
            ["compute_output"] = executions,
            ["cache_hit"] = 0,
        };
        foreach (var (duration, count) in expected)
        {
            var counted = stats.GetProperty(duration);
            Assert.True(count == counted.GetProperty("count").GetInt64(), $"{name} {version} {duration}: expected {count}, got {counted}");
            var nanoseconds = counted.GetProperty("ns").GetInt64();
            if (count == 0)
            {
                Assert.Equal(0, nanoseconds);
            }
            else if (duration != "queue")
            {
                Assert.True(nanoseconds > 0, $"{name} {version} {duration}: {count} counted in no time");
            }
        }
    }

    private static async Task<List<JsonElement>> StatisticsAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("model_stats").EnumerateArray().Select(entry => entry.Clone())];
    }

    private static string EncoderRequest(int count, float[]? pixels = null) =>
        new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "image",
                ["shape"] = new JsonArray(count, 1, 28, 28),
                ["datatype"] = "FP32",
                ["data"] = new JsonArray([.. (pixels ?? [.. Enumerable.Range(0, count).SelectMany(Digits.ModelInput)]).Select(value => JsonValue.Create(value))]),
            }),
        }.ToJsonString();
}
