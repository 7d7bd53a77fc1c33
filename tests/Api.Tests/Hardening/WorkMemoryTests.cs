using System.Net;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Limits;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Hardening;

public sealed class WorkMemoryTests
{
    private const string Idx = "application/x-idx";

    [Fact]
    public void AReservationLargerThanTheBudgetIsTooLargeAndNamesTheLimit()
    {
        var memory = new WorkMemory(1024 * 1024);

        var refused = Assert.Throws<ClientInputException>(() => memory.Reserve(2 * 1024 * 1024, "Ten images"));

        Assert.Equal(InputFault.TooLarge, refused.Fault);
        Assert.Contains("Ten images needs about 2 MiB", refused.Message, StringComparison.Ordinal);
        Assert.Contains("the 1 MiB this server keeps for answers (Limits:WorkMemoryBytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, memory.InUse);
    }

    [Fact]
    public void AReservationThatDoesNotFitNowIsRefusedUntilMemoryComesBack()
    {
        var memory = new WorkMemory(1000);
        var held = memory.Reserve(700, "One");

        Assert.Throws<OutOfRoomException>(() => memory.Reserve(400, "Two"));
        Assert.Equal(700, memory.InUse);

        held.Dispose();
        held.Dispose();
        using var second = memory.Reserve(400, "Two");
        Assert.Equal(400, memory.InUse);
    }

    [Fact]
    public async Task ARequestThatFindsNoRoomIs503WithRetryAfterAndSucceedsOnceThereIs()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:WorkMemoryBytes"] = $"{64 * 1024 * 1024}" });
        var client = factory.CreateClient();
        var memory = factory.Services.GetRequiredService<WorkMemory>();

        using (memory.Reserve(memory.Capacity - (1024 * 1024), "A test's hold"))
        {
            using var refused = await client.PostAsync("/generate?count=1000", null);
            await refused.AssertProblemAsync(503, "needs about");
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }

        using var answered = await client.PostAsync("/generate?count=1000", null);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        await answered.Content.ReadAsByteArrayAsync();
        await GivenBackAsync(memory);
    }

    [Fact]
    public async Task ARequestThatCanNeverFitIs413NamingTheLimit()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:WorkMemoryBytes"] = $"{4 * 1024 * 1024}" });
        var client = factory.CreateClient();

        using var small = await client.PostAsync("/generate?count=16", null);
        using var large = await client.PostAsync("/generate?count=5000", null);

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        await large.AssertProblemAsync(413, "(Limits:WorkMemoryBytes");
    }

    /// <summary>
    /// A gzip .npy body can inflate to the bulk body limit whatever its own size, so it is reserved for that before it is
    /// inflated: where that cannot fit it is a 413 naming the limit, while the same array sent plain is reserved for its
    /// own size and answered.
    /// </summary>
    [Fact]
    public async Task AGzipNpyBodyIsReservedForWhatItMayInflateTo()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?>
        {
            ["Limits:WorkMemoryBytes"] = $"{64 * 1024 * 1024}",
            ["Limits:MaxBulkBodyBytes"] = $"{48 * 1024 * 1024}",
        });
        var client = factory.CreateClient();
        var images = Enumerable.Range(0, 100 * 784).Select(i => (i % 784) < 392 ? 0f : 1f).ToArray();
        var plain = Endpoints.ShapedModelTests.NpyFile(images, 100, 1, 28, 28);
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(plain);
        }

        using var answered = await client.PostAsync("/encode", Raw(plain, "application/x-npy"));
        using var refused = await client.PostAsync("/encode", Raw(compressed.ToArray(), "application/x-npy"));

        Assert.True(compressed.Length < plain.Length / 10, "the test array compresses");
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        await refused.AssertProblemAsync(413, "(Limits:WorkMemoryBytes");
    }

    /// <summary>
    /// Maximal requests of every kind at once, more than the memory for answers holds: each is answered 200, 413 or 503
    /// (never a 500 or a dropped connection), every 200 is complete, and the memory all comes back.
    /// </summary>
    [Fact]
    public async Task AMixOfLargeRequestsAtOnceIsAnsweredWithoutFailingAndGivesItsMemoryBack()
    {
        using var factory = new ConfiguredApiFactory(new Dictionary<string, string?>
        {
            ["Limits:WorkMemoryBytes"] = $"{48 * 1024 * 1024}",
            ["Limits:MaxBulkImages"] = "20000",
            ["Limits:InferenceConcurrency"] = "16",
        });
        var client = factory.CreateClient();
        var memory = factory.Services.GetRequiredService<WorkMemory>();
        var file = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 10_000);
        var latents = System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, 5000).Select(i => Enumerable.Repeat(MathF.Cos(i), 20)));
        var protocolBatch = System.Text.Json.JsonSerializer.Serialize(new
        {
            inputs = new[] { new { name = "latent", shape = new[] { 2000, 20 }, datatype = "FP32", data = Enumerable.Range(0, 40_000).Select(i => MathF.Sin(i)) } },
        });

        Func<Task<(string Request, HttpResponseMessage Response)>>[] requests =
        [
            .. new[] { "image/png", Idx, "application/json" }.SelectMany(accept => Enumerable.Repeat(accept, 2))
                .Select(accept => (Func<Task<(string, HttpResponseMessage)>>)(async () => ($"generate as {accept}", await client.PostAsync("/generate?count=20000", new ByteArrayContent([]), accept)))),
            .. Enumerable.Range(0, 3).Select(_ => (Func<Task<(string, HttpResponseMessage)>>)(async () => ("encode", await client.PostAsync("/encode", Raw(file, Idx))))),
            async () => ("denoise", await client.PostAsync("/denoise", Raw(file, Idx), Idx)),
            async () => ("score", await client.PostAsync("/score", Raw(file, Idx))),
            async () => ("heat maps", await client.PostAsync("/score", Raw(TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 256), Idx), "image/png")),
            async () => ("decode", await client.PostAsync("/decode", new StringContent(latents, null, "application/json"), "image/png")),
            .. Enumerable.Range(0, 4).Select(_ => (Func<Task<(string, HttpResponseMessage)>>)(async () =>
                ("protocol", await client.PostAsync("/v2/models/mnist-decoder/infer", new StringContent(protocolBatch, null, "application/json"))))),
        ];

        var answers = await Task.WhenAll(requests.Select(request => Task.Run(request)));

        foreach (var (request, response) in answers)
        {
            using (response)
            {
                var body = await response.Content.ReadAsByteArrayAsync();
                Assert.True(
                    response.StatusCode is HttpStatusCode.OK or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.ServiceUnavailable,
                    $"{request}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.NotNull(response.Headers.RetryAfter);
                }

                if (response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == Idx)
                {
                    Assert.Equal(request.StartsWith("generate", StringComparison.Ordinal) ? 20_000 : 10_000, Autoencoder.Core.Idx.ReadImages(body).Header.Count);
                }
            }
        }

        Assert.Contains(answers, answer => answer.Response.StatusCode == HttpStatusCode.OK);
        await GivenBackAsync(memory);
        using var after = await client.PostAsync("/generate?count=20000", null);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    /// <summary>A reservation is given back when its request ends, just after the client has its answer.</summary>
    private static Task GivenBackAsync(WorkMemory memory) =>
        Poll.UntilAsync(() => memory.InUse == 0, "the memory for answers was never all given back");
}
