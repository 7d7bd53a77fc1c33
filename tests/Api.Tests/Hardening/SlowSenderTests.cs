using System.Net;
using System.Net.Sockets;
using System.Text;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Tests.OpenInference;
using Microsoft.Extensions.DependencyInjection;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// Clients that send headers and a little of a body, then nothing or next to nothing: they must hold no inference slot,
/// little memory, and not for long.
/// </summary>
public sealed class SlowSenderTests
{
    /// <summary>Each kind of inference request, as a client that stalls after its first bytes would start it.</summary>
    public static TheoryData<string> Kinds => ["small upload", "large upload", "bulk", "protocol JSON", "protocol binary"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task StalledUploadsHoldNoInferenceSlot(string kind)
    {
        // One slot of each kind and no queue: a stalled upload in a slot would turn every valid request away (503).
        using var factory = new KestrelApiFactory(new Dictionary<string, string?>
        {
            ["Limits:SmallRequestConcurrency"] = "1",
            ["Limits:InferenceConcurrency"] = "1",
            ["Limits:InferenceQueue"] = "0",
        });
        using var client = factory.CreateClient();
        var stalled = new List<SlowUpload>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                stalled.Add(await Stall(client.BaseAddress!, kind));
            }

            await SlotSignal.BodiesHoldAsync(factory.Services, 8); // every stalled body is being received

            foreach (var valid in Kinds)
            {
                using var response = await client.SendAsync(ValidRequest(valid));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{valid} beside stalled {kind} uploads: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            stalled.ForEach(upload => upload.Dispose());
        }
    }

    [Fact]
    public async Task ABodyThatDoesNotArriveInTimeIs408AndTheConnectionCloses()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:BodyTimeoutSeconds"] = "0.3" });
        using var client = factory.CreateClient();
        using var stalled = await Stall(client.BaseAddress!, "small upload");

        var response = await stalled.ReadResponseAsync(); // to the end: the server closes the connection

        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Contains("The request body did not arrive within the 0.3 s allowed", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ASenderBelowTheLeastDataRateIsCutOff()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?>
        {
            ["Limits:MinBodyBytesPerSecond"] = "1000",
            ["Limits:MinBodyRateGraceSeconds"] = "1.5",
        });
        using var client = factory.CreateClient();
        using var stalled = await Stall(client.BaseAddress!, "large upload");

        var response = await stalled.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.Contains("too slowly", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadersThatDoNotArriveInTimeEndTheConnection()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:HeadersTimeoutSeconds"] = "0.5" });
        using var client = factory.CreateClient();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(client.BaseAddress!.Host, client.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /reconstruct HTTP/1.1\r\nHost: x\r\n"));

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var response = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodiesBeyondTheirMemoryAre503WithRetryAfterAndTheMemoryComesBack()
    {
        using var factory = new KestrelApiFactory(KestrelApiFactory.BodyMemoryOf(100_000));
        using var client = factory.CreateClient();
        var budget = factory.Services.GetRequiredService<BodyBufferBudget>();
        var latents = Npy(1240);
        using var first = await SlowUpload.StallAsync(client.BaseAddress!, "/decode", "application/x-npy", latents.Length, latents[..90_000], "Connection: close\r\n");
        await SlotSignal.BodiesHoldAsync(factory.Services, 90_000);

        using var second = await client.PostAsync("/decode", Raw(Npy(200), "application/x-npy"));
        await first.SendAsync(latents[90_000..]);
        var firstResponse = await first.ReadResponseAsync();

        await second.AssertProblemAsync(503, "memory");
        Assert.Equal("1", second.Headers.GetValues("Retry-After").Single());
        Assert.StartsWith("HTTP/1.1 200", firstResponse, StringComparison.Ordinal);
        Assert.Equal(100_000, budget.Capacity);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task OneClientMayHoldOnlyItsShareOfConnections()
    {
        using var factory = new KestrelApiFactory(new Dictionary<string, string?> { ["Limits:MaxConnectionsPerClient"] = "4" });
        using var client = factory.CreateClient();
        using var health = await client.GetAsync("/health/live"); // the client's own connection, kept alive: one of the four
        var connections = factory.Services.GetRequiredService<ClientConnections>();
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var tcp = new TcpClient();
                held.Add(tcp);
                await tcp.ConnectAsync(client.BaseAddress!.Host, client.BaseAddress.Port);
            }

            await Poll.UntilAsync(() => connections.OpenFrom(IPAddress.Loopback) == 4, "the four connections never opened");
            using var fifth = new TcpClient();
            await fifth.ConnectAsync(client.BaseAddress!.Host, client.BaseAddress.Port);
            var fifthStream = fifth.GetStream();
            await fifthStream.WriteAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
            var read = await ReadOrResetAsync(fifthStream);

            held.ForEach(tcp => tcp.Dispose());
            await Poll.UntilAsync(() => connections.OpenFrom(IPAddress.Loopback) <= 1, "the connections were never closed");
            using var afterwards = await client.GetAsync("/health/live");

            Assert.Equal(0, read); // closed without an answer
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
        }
        finally
        {
            held.ForEach(tcp => tcp.Dispose());
        }
    }

    private static async Task<int> ReadOrResetAsync(NetworkStream stream)
    {
        try
        {
            return await stream.ReadAsync(new byte[256]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Task<SlowUpload> Stall(Uri server, string kind) => kind switch
    {
        "small upload" => SlowUpload.StallAsync(server, "/reconstruct", "image/png", 200_000, Digits.Png(0)[..4]),
        "large upload" => SlowUpload.StallAsync(server, "/reconstruct", "image/png", 10_000_000, Digits.Png(0)[..4]),
        "bulk" => SlowUpload.StallAsync(server, "/encode", "application/x-idx", 10_000_000, [0, 0, 8, 3]),
        "protocol JSON" => SlowUpload.StallAsync(server, "/v2/models/mnist-encoder/infer", "application/json", 200_000, "{\"in"u8.ToArray()),
        "protocol binary" => SlowUpload.StallAsync(server, "/v2/models/mnist-encoder/infer", "application/octet-stream", 10_000_000, "{\"in"u8.ToArray(), $"{BinaryTensors.HeaderLength}: 200\r\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static HttpRequestMessage ValidRequest(string kind)
    {
        var digit = Digits.ModelInput(0);
        HttpContent content = kind switch
        {
            "small upload" => Raw(Digits.Png(0), "image/png"),
            "large upload" => Raw(Digits.Png(0), "image/png"),
            "bulk" => Raw(TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 4), "application/x-idx"),
            "protocol JSON" => BinaryTensors.Json($$"""{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","data":[{{string.Join(",", digit.Select(value => value.ToString(System.Globalization.CultureInfo.InvariantCulture)))}}]}]}"""),
            "protocol binary" => BinaryTensors.TritonClientRequest("image", [1, 1, 28, 28], digit),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, kind.StartsWith("protocol", StringComparison.Ordinal) ? "/v2/models/mnist-encoder/infer" : kind == "bulk" ? "/encode" : "/reconstruct") { Content = content };
        request.Headers.TransferEncodingChunked = kind == "large upload"; // a body of undeclared length takes a large slot
        return request;
    }

    /// <summary>A float32 [count, 20] .npy.</summary>
    private static byte[] Npy(int count)
    {
        var values = new byte[count * 20 * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values.AsSpan()).Fill(0.5f);
        return [.. Autoencoder.Api.Formats.Npy.Header(count, 20), .. values];
    }
}
