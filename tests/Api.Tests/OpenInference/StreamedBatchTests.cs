using System.Net;
using System.Text.Json;

namespace Autoencoder.Api.Tests.OpenInference;

/// <summary>
/// A binary answer of more than a batch is written a window of 1,024 rows at a time: the values must be those the whole
/// batch gives as JSON, and a bad value anywhere must still be a 400 before any of the answer is written.
/// </summary>
public sealed class StreamedBatchTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private const int Rows = 2_500;

    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ALargeBinaryDecoderBatchGivesWhatTheSameBatchGivesAsJson()
    {
        var latents = Enumerable.Range(0, Rows * 20).Select(i => MathF.Sin(i * 0.37f) * 1.5f).ToArray();

        using var binary = await client.PostAsync("/v2/models/mnist-decoder/infer", BinaryTensors.TritonClientRequest("latent", [Rows, 20], latents, id: "big"));
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        var (header, values) = await BinaryTensors.ReadBinaryAsync(binary);

        using var json = await client.PostAsync("/v2/models/mnist-decoder/infer", BinaryTensors.Json(JsonSerializer.Serialize(new
        {
            inputs = new[] { new { name = "latent", shape = new[] { Rows, 20 }, datatype = "FP32", data = latents } },
        })));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var output = (await json.JsonAsync()).GetProperty("outputs")[0];

        Assert.Equal("big", header.GetProperty("id").GetString());
        Assert.Equal([Rows, 1, 28, 28], header.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()));
        Assert.Equal(output.GetProperty("data").Floats(), values);
    }

    [Fact]
    public async Task ABadPixelInTheLastWindowOfALargeEncoderBatchIsABadRequest()
    {
        var images = Enumerable.Range(0, Rows * 784).Select(i => (i % 255) / 255f).ToArray();
        images[^3] = 2;

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", BinaryTensors.TritonClientRequest("image", [Rows, 1, 28, 28], images));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Pixels must be in [0, 1]", (await response.JsonAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
