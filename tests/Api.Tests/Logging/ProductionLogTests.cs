using System.Text.Json;
using Autoencoder.Api.Tests.Hardening;

namespace Autoencoder.Api.Tests.Logging;

/// <summary>The built service in Production, as a log collector reads it: its console output and nothing else.</summary>
public sealed class ProductionLogTests
{
    [Fact]
    public async Task EveryLineTheServiceWritesIsAJsonObjectEvenWhenCudaFailsToLoad()
    {
        // auto: CUDA is tried first, as in a real deployment; where it cannot load, ONNX Runtime used to print its own line.
        using var service = ServiceProcess.StartWith(new Dictionary<string, string> { ["Inference__Device"] = "auto" });
        await service.WaitUntilReadyAsync();
        using (var client = new HttpClient { BaseAddress = service.Address })
        using (var response = await client.PostAsync("/reconstruct", HttpExtensions.Raw(Digits.Png(0), "image/png")))
        {
            await response.AssertDigitPngAsync();
        }

        PosixSignals.Terminate(service.Process);
        Assert.True(service.Process.WaitForExit(TimeSpan.FromSeconds(20)), "the service did not stop within 20 s of SIGTERM");
        service.Process.WaitForExit(); // drains the redirected output

        var lines = service.Log.Concat(service.ErrorLog).ToList();
        Assert.All(lines, line => Assert.True(IsJsonObject(line), $"a line that is not a JSON object: {line}"));
        var events = service.Log.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("@m").GetString()!.Contains("/reconstruct", StringComparison.Ordinal));
        Assert.Empty(service.ErrorLog);
    }

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
