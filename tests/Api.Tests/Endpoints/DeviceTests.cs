using System.Net.Http.Json;
using System.Text.Json;
using Serilog.Events;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// CUDA device choice. These machines have no GPU, and a device id no machine has makes the CUDA provider fail
/// everywhere, so the fallback and the refusal are tested the same way on any host.
/// </summary>
public sealed class DeviceTests
{
    private const string NoSuchGpu = "99";

    [Fact]
    public async Task AutoFallsBackToCpuWithOneWarningAndSaysWhyInHealthAndModels()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Inference:Device"] = "auto", ["Inference:CudaDeviceId"] = NoSuchGpu });
        using var client = factory.CreateClient();

        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var models = await client.GetFromJsonAsync<JsonElement>("/models");

        var model = ready.GetProperty("models").EnumerateArray().First();
        Assert.All(ready.GetProperty("models").EnumerateArray(), each => Assert.Equal("CPUExecutionProvider", each.GetProperty("executionProvider").GetString()));
        Assert.Contains("CUDA", model.GetProperty("fallbackReason").GetString(), StringComparison.Ordinal);
        Assert.All(models.EnumerateArray(), each => Assert.Equal(model.GetProperty("fallbackReason").GetString(), each.GetProperty("fallbackReason").GetString()));
        var warning = Assert.Single(factory.Logs.Events, e => e.Level == LogEventLevel.Warning && e.MessageTemplate.Text.StartsWith("Falling back", StringComparison.Ordinal));
        Assert.Contains("CUDA", warning.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CpuUsesCpuWithoutTryingCuda()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Inference:Device"] = "cpu" });
        using var client = factory.CreateClient();

        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");

        Assert.All(ready.GetProperty("models").EnumerateArray(), model =>
        {
            Assert.Equal("CPUExecutionProvider", model.GetProperty("executionProvider").GetString());
            Assert.Equal(JsonValueKind.Null, model.GetProperty("fallbackReason").ValueKind);
        });
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level >= LogEventLevel.Warning);
    }

    [Fact]
    public void CudaRefusesToStartWhenCudaCannotBeUsed()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Inference:Device"] = "cuda", ["Inference:CudaDeviceId"] = NoSuchGpu });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        // The refusal itself, not any failure on the way: it names the setting, the fix, and ONNX Runtime's reason.
        var refusal = Assert.Single(Causes(error).OfType<InvalidOperationException>(),
            e => e.Message.StartsWith("Inference:Device is 'cuda' but CUDA cannot be used: ", StringComparison.Ordinal));
        Assert.Contains("Install CUDA 13 and cuDNN 9, or set Inference:Device to 'auto' or 'cpu'.", refusal.Message, StringComparison.Ordinal);
        Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(refusal.InnerException);
        Assert.DoesNotContain(factory.Logs.Events, e => e.MessageTemplate.Text.StartsWith("Falling back", StringComparison.Ordinal));
    }

    private static IEnumerable<Exception> Causes(Exception error) => error switch
    {
        AggregateException aggregate => [aggregate, .. aggregate.InnerExceptions.SelectMany(Causes)],
        { InnerException: { } inner } => [error, .. Causes(inner)],
        _ => [error],
    };
}
