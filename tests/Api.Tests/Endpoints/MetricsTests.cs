using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class MetricsTests : IDisposable
{
    private readonly AutoencoderApiFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task MetricsServesRequestInferenceBatchQueueAndProviderSeriesInPrometheusFormat()
    {
        using var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var _ = await client.PostAsync("/reconstruct", Raw(Digits.Png(i), "image/png"));
        }

        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("http_request_duration_seconds_count{code=\"200\",method=\"POST\",controller=\"\",action=\"\",endpoint=\"/reconstruct\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE autoencoder_inference_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("autoencoder_batch_size_bucket{model=\"mnist\",stage=\"encoder\"", text, StringComparison.Ordinal);
        Assert.Contains("autoencoder_queue_wait_seconds_count{model=\"mnist\",stage=\"decoder\"} 3", text, StringComparison.Ordinal);
        // three requests plus the warm-up inference
        Assert.Contains("autoencoder_images_processed_total{model=\"mnist\",stage=\"encoder\"} 4", text, StringComparison.Ordinal);
        Assert.Contains("autoencoder_model_info{model=\"mnist\",provider=\"CPUExecutionProvider\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachRequestLogLineCarriesTheTraceIdTheClientIsGiven()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/decode", new StringContent("{\"latent\":[1]}", System.Text.Encoding.UTF8, "application/json"));
        var problemTraceId = (await response.JsonAsync()).GetProperty("traceId").GetString()!;

        var line = Assert.Single(factory.Logs.Events, e =>
            e.MessageTemplate.Text.StartsWith("HTTP {RequestMethod}", StringComparison.Ordinal) && e.Properties["RequestPath"].ToString() == "\"/decode\"");
        Assert.NotNull(line.TraceId);
        Assert.Contains(line.TraceId.Value.ToHexString(), problemTraceId, StringComparison.Ordinal);
    }
}
