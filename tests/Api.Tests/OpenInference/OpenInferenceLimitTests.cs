using Autoencoder.Api.Tests.Hardening;
using static Autoencoder.Api.Tests.OpenInference.BinaryTensors;
using static Autoencoder.Api.Tests.OpenInference.ProtocolErrors;

namespace Autoencoder.Api.Tests.OpenInference;

/// <summary>The protocol's routes keep the service's limits, and say so in the protocol's error body.</summary>
public sealed class OpenInferenceLimitTests
{
    [Fact]
    public async Task ABodyOverTheBulkLimitIs413()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:MaxBulkBodyBytes"] = "100000" });
        using var client = factory.CreateClient();

        using var small = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [1, 1, 28, 28], Digits.ModelInput(0)));
        using var large = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [64, 1, 28, 28], new float[64 * 784]));

        Assert.Equal(System.Net.HttpStatusCode.OK, small.StatusCode);
        await AssertErrorAsync(large, 413, "100000 bytes");
    }

    [Fact]
    public async Task AJsonPartLargerThanWhatKestrelBuffersUnreadStillReachesTheModel()
    {
        using var factory = new KestrelApiFactory();
        using var client = factory.CreateClient();
        using var onnx = new DirectOnnx();
        var image = Digits.ModelInput(3);
        const string json = """{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","parameters":{"binary_data_size":3136}}]}""";

        // Kestrel stops reading a connection with more than 1 MB unread; the JSON part may be up to Limits:MaxJsonBodyBytes.
        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", Body(json + new string(' ', 3 * 1024 * 1024), LittleEndian(image)));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(onnx.Encode(image), Assert.Single((await response.JsonAsync()).GetProperty("outputs").EnumerateArray()).GetProperty("data").Floats());
    }

    [Fact]
    public async Task AJsonRequestOverTheJsonLimitIs413AndSaysToSendBinary()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:MaxJsonBodyBytes"] = "1000" });
        using var client = factory.CreateClient();
        var request = $$"""{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","data":[{{string.Join(",", new int[784])}}]}]}""";

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", Json(request));

        await AssertErrorAsync(response, 413, "send larger tensors as binary data");
    }

    [Fact]
    public async Task OverTheRateLimitIs429WithRetryAfter()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:RateLimitPermits"] = "1", ["Limits:RateLimitWindowSeconds"] = "30" });
        using var client = factory.CreateClient();

        using var first = await client.GetAsync("/v2/health/ready");
        using var second = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [1, 1, 28, 28], Digits.ModelInput(0)));

        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        await AssertErrorAsync(second, 429, "1 requests per 30 s");
        Assert.True(second.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task ABusyServerIs503WithAnErrorBody()
    {
        // The memory for bodies being received is taken by a stalled upload: the next body finds no room.
        using var factory = new KestrelApiFactory(KestrelApiFactory.BodyMemoryOf(100_000));
        using var client = factory.CreateClient();
        using var stalled = await SlowUpload.StallAsync(client.BaseAddress!, "/v2/models/mnist-decoder/infer", "application/json", 100_000, new byte[90_000]);
        await Hardening.SlotSignal.BodiesHoldAsync(factory.Services, 90_000);
        const string request = """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","data":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}""";

        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", Json(request));

        await AssertErrorAsync(response, 503, "retry shortly");
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task ABodyThatDoesNotArriveInTimeIs408WithAnErrorBody()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:BodyTimeoutSeconds"] = "0.3" });
        using var client = factory.CreateClient();
        const string request = """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","data":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}""";
        using var slow = await SlowUpload.StartAsync(client.BaseAddress!, "/v2/models/mnist-decoder/infer", System.Text.Encoding.UTF8.GetBytes(request), "application/json");

        var response = await slow.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.Contains("{\"error\":\"The request body did not arrive within the 0.3 s allowed", response, StringComparison.Ordinal);
        Assert.DoesNotContain("\"title\"", response, StringComparison.Ordinal);
    }
}
