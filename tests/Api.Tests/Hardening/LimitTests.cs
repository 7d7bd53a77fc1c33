using System.Net;

using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Hardening;

public sealed class LimitTests
{
    [Fact]
    public async Task OverTheRateLimitIs429WithRetryAfter()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:RateLimitPermits"] = "2", ["Limits:RateLimitWindowSeconds"] = "30" });
        using var client = factory.CreateClient();

        using var first = await client.PostAsync("/encode", Raw(Digits.Png(0), "image/png"));
        using var second = await client.GetAsync("/models");
        using var third = await client.PostAsync("/encode", Raw(Digits.Png(0), "image/png"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await third.AssertProblemAsync(429, "2 requests per 30 s");
        Assert.InRange(int.Parse(third.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 30);
    }

    [Fact]
    public async Task WithoutConfigurationThereIsNoRateLimit()
    {
        using var factory = new AutoencoderApiFactory();
        using var client = factory.CreateClient();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            using var response = await client.PostAsync("/reconstruct", Raw(Digits.Png(1), "image/png"));
            return response.StatusCode;
        }));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task AFullInferenceQueueIs503WithRetryAfterAndOthersStillWork()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:SmallRequestConcurrency"] = "1", ["Limits:InferenceQueue"] = "0" });
        using var client = factory.CreateClient();
        var held = HoldInItsSlotAsync(factory, client, Digits.Png(0), out var budget);
        await SlotSignal.HeldAsync(factory.Services, "small"); // the held request takes the only slot

        using var rejected = await client.PostAsync("/reconstruct", Raw(Digits.Png(1), "image/png"));
        using var health = await client.GetAsync("/health/ready");
        budget.Dispose();
        using var completed = await held;

        await rejected.AssertProblemAsync(503, "inference slot");
        Assert.Equal("1", rejected.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task LargeUploadsTakeTurnsOnTheirOwnSlotsWhileSmallRequestsGoOn()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?>
        {
            ["Limits:InferenceConcurrency"] = "1",
            ["Limits:InferenceQueue"] = "0",
            ["Limits:SmallRequestBytes"] = "16000",
        });
        using var client = factory.CreateClient();
        var large = LargePng();
        var held = HoldInItsSlotAsync(factory, client, large, out var budget);
        await SlotSignal.HeldAsync(factory.Services, "large"); // the held upload takes the only slot for large requests

        using var small = await client.PostAsync("/decode", Json(OneLatent()));
        using var secondLarge = await client.PostAsync("/reconstruct", Raw(large, "image/png"));
        budget.Dispose();
        using var completed = await held;

        Assert.True(large.Length > 16000);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        await secondLarge.AssertProblemAsync(503, "inference slot");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task BulkBodiesAndGenerationTakeTheLargeSlotsHoweverSmallTheyAre()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:InferenceConcurrency"] = "1", ["Limits:InferenceQueue"] = "0" });
        using var client = factory.CreateClient();
        var held = HoldInItsSlotAsync(factory, client, Digits.Png(0), out var budget, declareLength: false); // a body of undeclared length is large
        await SlotSignal.HeldAsync(factory.Services, "large");

        using var bulk = await client.PostAsync("/decode", Raw(TwoLatentsNpy(), "application/x-npy"));
        using var generated = await client.PostAsync("/generate?count=1", null); // no body, and up to the bulk limit's images
        using var latent = await client.PostAsync("/decode", Json(OneLatent()));
        budget.Dispose();
        using var completed = await held;

        await bulk.AssertProblemAsync(503, "inference slot");
        await generated.AssertProblemAsync(503, "inference slot");
        Assert.Equal(HttpStatusCode.OK, latent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    /// <summary>
    /// Sends <paramref name="png"/> to /reconstruct with the whole decode budget reserved: the request takes its
    /// inference slot, then waits inside its handler until <paramref name="budget"/> is disposed.
    /// </summary>
    private static Task<HttpResponseMessage> HoldInItsSlotAsync(KestrelApiFactory factory, HttpClient client, byte[] png, out IDisposable budget, bool declareLength = true)
    {
        var decodeBudget = factory.Services.GetRequiredService<DecodeBudget>();
        budget = decodeBudget.ReserveAsync(decodeBudget.Available, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var request = new HttpRequestMessage(HttpMethod.Post, "/reconstruct") { Content = Raw(png, "image/png") };
        request.Headers.TransferEncodingChunked = !declareLength;
        return client.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string OneLatent() => $"{{\"latent\":[{string.Join(",", Enumerable.Repeat("0.5", 20))}]}}";

    /// <summary>A float32 [2, 20] .npy of a few hundred bytes.</summary>
    private static byte[] TwoLatentsNpy()
    {
        var values = new byte[2 * 20 * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values.AsSpan()).Fill(0.5f);
        return [.. Autoencoder.Api.Formats.Npy.Header(2, 20), .. values];
    }

    [Fact]
    public async Task AnImageWaitsForDecodeBudgetAndIsDecodedOnceItFits()
    {
        using var factory = new KestrelApiFactory();
        using var client = factory.CreateClient();
        var budget = factory.Services.GetRequiredService<DecodeBudget>();
        var everything = budget.Available;
        using var reserved = await budget.ReserveAsync(everything, CancellationToken.None);

        var waiting = client.PostAsync("/reconstruct", Raw(Digits.Png(2), "image/png"));
        Assert.True(SpinWait.SpinUntil(() => budget.WaitingPixels > 0, TimeSpan.FromSeconds(30)), "the request never waited for the budget");
        Assert.False(waiting.IsCompleted, "a request decoded with no budget left");

        reserved.Dispose();
        using var response = await waiting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(everything, budget.Available);
    }

    /// <summary>A valid PNG of about 16 KB: 128x128 of noise, which does not compress.</summary>
    private static byte[] LargePng()
    {
        var random = new Random(7);
        var pixels = new byte[128 * 128];
        random.NextBytes(pixels);
        return Images.TestImages.GrayPng(pixels, 128, 128);
    }

    [Fact]
    public async Task ARequestOverTheTimeoutIsCancelledAndAnswered503()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:RequestTimeoutSeconds"] = "0.3" });
        using var client = factory.CreateClient();

        // With no decode budget left, the request waits in its handler until the timeout cancels it.
        using var response = await HoldInItsSlotAsync(factory, client, Digits.Png(0), out var budget);
        budget.Dispose();
        using var afterwards = await client.PostAsync("/reconstruct", Raw(Digits.Png(1), "image/png"));

        await response.AssertProblemAsync(503, "longer than the 0.3 s allowed");
        Assert.Contains(factory.Logs.Events, e => e.MessageTemplate.Text.StartsWith("HTTP {RequestMethod}", StringComparison.Ordinal) && e.Properties["StatusCode"].ToString() == "503");
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public void CancellationStopsInferenceInsteadOfFinishingIt()
    {
        using var factory = new AutoencoderApiFactory();
        using var _ = factory.CreateClient();
        var model = factory.Services.GetRequiredService<ModelRegistry>().All.Single(model => model.Name == "mnist");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        const int batch = 20_000;
        var latents = new float[batch * model.LatentSize];

        Assert.Throws<OperationCanceledException>(() => model.Encode(new float[model.PixelCount], 1, cancelled.Token));

        // A token that fires while ONNX Runtime runs one long batch must stop that run: only the terminate flag can,
        // and ONNX Runtime then fails the run. A token that fires before the run starts, or a run that finishes first,
        // proves nothing, so the delay is tried again, longer or shorter, until one fires mid-run.
        OperationCanceledException? stopped = null;
        for (var attempt = 0; attempt < 40 && stopped is null; attempt++)
        {
            using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(1 << (attempt % 8)));
            try
            {
                model.Decode(latents, batch, soon.Token);
            }
            catch (OperationCanceledException cancellation) when (cancellation.InnerException is OnnxRuntimeException)
            {
                stopped = cancellation;
            }
            catch (OperationCanceledException)
            {
                // Fired before the run began.
            }
        }

        Assert.NotNull(stopped);
        Assert.Contains("terminate", stopped.InnerException!.Message, StringComparison.OrdinalIgnoreCase);
    }
}
