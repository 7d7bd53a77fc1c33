using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Autoencoder.Api.Tests.HttpExtensions;
using static Autoencoder.Api.Tests.OpenInference.BinaryTensors;
using static Autoencoder.Api.Tests.OpenInference.ProtocolErrors;

namespace Autoencoder.Api.Tests.OpenInference;

/// <summary>The Open Inference Protocol's REST endpoints on the bundled model, compared with the image endpoints and ONNX Runtime.</summary>
public sealed class OpenInferenceTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ServerMetadataNamesTheServerAndItsExtensions()
    {
        using var response = await client.GetAsync("/v2");

        var body = await AssertJsonAsync(response);
        Assert.Equal("autoencoder", body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.Equal(["binary_tensor_data", "model_repository", "statistics"], body.GetProperty("extensions").EnumerateArray().Select(extension => extension.GetString()));
    }

    [Fact]
    public async Task ServerIsLiveAndReadyOnceTheModelsAreWarm()
    {
        using var live = await client.GetAsync("/v2/health/live");
        using var ready = await client.GetAsync("/v2/health/ready");

        Assert.True((await AssertJsonAsync(live)).GetProperty("live").GetBoolean());
        Assert.True((await AssertJsonAsync(ready)).GetProperty("ready").GetBoolean());
    }

    [Theory]
    [InlineData("")]
    [InlineData("/versions/1")]
    public async Task EveryLoadedModelIsAnEncoderAndADecoderWithTheTensorsItsManifestDescribes(string version)
    {
        using var models = await client.GetAsync("/models");

        foreach (var model in (await models.JsonAsync()).EnumerateArray())
        {
            var name = model.GetProperty("name").GetString();
            var image = model.GetProperty("image");
            long[] imageShape = [-1, image.GetProperty("channels").GetInt64(), image.GetProperty("height").GetInt64(), image.GetProperty("width").GetInt64()];
            long[] latentShape = [-1, model.GetProperty("latentSize").GetInt64()];
            using var encoder = await client.GetAsync($"/v2/models/{name}-encoder{version}");
            using var decoder = await client.GetAsync($"/v2/models/{name}-decoder{version}");

            AssertMetadata(await AssertJsonAsync(encoder), $"{name}-encoder", ("image", imageShape), ("latent", latentShape));
            AssertMetadata(await AssertJsonAsync(decoder), $"{name}-decoder", ("latent", latentShape), ("image", imageShape));
        }
    }

    [Theory]
    [InlineData("/v2/models/mnist-encoder/ready", "mnist-encoder")]
    [InlineData("/v2/models/mnist-decoder/versions/1/ready", "mnist-decoder")]
    public async Task ModelReadyNamesTheModel(string url, string name)
    {
        using var response = await client.GetAsync(url);

        var body = await AssertJsonAsync(response);
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.True(body.GetProperty("ready").GetBoolean());
    }

    [Theory]
    [InlineData("GET", "/v2/models/mnist", "There is no model 'mnist'. Models: fashion-decoder, fashion-denoise-decoder, fashion-denoise-encoder, fashion-encoder, fashion-sneakers-decoder, fashion-sneakers-encoder, fashion-vae-decoder, fashion-vae-encoder, mnist-colour-decoder, mnist-colour-encoder, mnist-conv-decoder, mnist-conv-encoder, mnist-decoder, mnist-denoise-decoder, mnist-denoise-encoder, mnist-encoder, mnist-sevens-decoder, mnist-sevens-encoder, mnist-vae-decoder, mnist-vae-encoder.")]
    [InlineData("GET", "/v2/models/cifar-encoder/ready", "There is no model 'cifar-encoder'")]
    [InlineData("POST", "/v2/models/-encoder/infer", "There is no model '-encoder'")]
    [InlineData("GET", "/v2/models/mnist-encoder/versions/2", "Model 'mnist-encoder' has no version '2'; it has version 1.")]
    [InlineData("POST", "/v2/models/mnist-decoder/versions/0/infer", "has no version '0'")]
    [InlineData("POST", "/v2/repository/models/mnist/files", "There is no endpoint at /v2/repository/models/mnist/files")]
    public async Task UnknownModelsVersionsAndPathsAre404WithAnErrorBody(string method, string url, string error)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST")
        {
            request.Content = Json(DecoderRequest(1));
        }

        using var response = await client.SendAsync(request);

        await AssertErrorAsync(response, 404, error);
    }

    [Fact]
    public async Task AWrongMethodIs405WithAnErrorBody()
    {
        using var response = await client.GetAsync("/v2/models/mnist-encoder/infer");

        await AssertErrorAsync(response, 405, "does not take GET");
    }

    [Fact]
    public async Task JsonEncodingOfNestedImagesEqualsTheEncodeEndpointAndOnnxRuntime()
    {
        using var onnx = new DirectOnnx();
        var indices = new[] { 0, 1, 2, 3 };
        var images = new JsonArray([.. indices.Select(index => Nested(Digits.ModelInput(index)))]);
        var request = new JsonObject
        {
            ["id"] = "four digits",
            ["inputs"] = new JsonArray(new JsonObject { ["name"] = "image", ["shape"] = new JsonArray(4, 1, 28, 28), ["datatype"] = "FP32", ["data"] = images }),
        };

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", Json(request.ToJsonString()));

        var body = await AssertJsonAsync(response);
        Assert.Equal("mnist-encoder", body.GetProperty("model_name").GetString());
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        Assert.Equal("four digits", body.GetProperty("id").GetString());
        var output = Assert.Single(body.GetProperty("outputs").EnumerateArray());
        Assert.Equal("latent", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([4, 20], output.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()));
        var latents = output.GetProperty("data").Floats();
        foreach (var index in indices)
        {
            var row = latents[(index * 20)..((index + 1) * 20)];
            Assert.Equal(onnx.Encode(Digits.ModelInput(index)), row);
            Assert.Equal(await EncodeEndpointAsync(index), row);
        }
    }

    [Fact]
    public async Task JsonDecodingOfFlatLatentsEqualsTheDecodeEndpointAndOnnxRuntime()
    {
        using var onnx = new DirectOnnx();
        var latents = Enumerable.Range(0, 3).Select(index => onnx.Encode(Digits.ModelInput(index))).ToArray();

        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", Json(DecoderRequest(3, [.. latents.SelectMany(latent => latent)])));

        var body = await AssertJsonAsync(response);
        Assert.False(body.TryGetProperty("id", out _));
        var output = Assert.Single(body.GetProperty("outputs").EnumerateArray());
        Assert.Equal("image", output.GetProperty("name").GetString());
        Assert.Equal([3, 1, 28, 28], output.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()));
        var pixels = output.GetProperty("data").Floats();
        for (var i = 0; i < latents.Length; i++)
        {
            var image = pixels[(i * 784)..((i + 1) * 784)];
            Assert.Equal(onnx.Decode(latents[i]), image);
            using var decoded = await client.PostAsync("/decode", Json(JsonSerializer.Serialize(new { latent = latents[i] })), "application/json");
            Assert.Equal((await decoded.JsonAsync()).GetProperty("pixels").Floats(), image);
        }
    }

    [Fact]
    public async Task ABinaryRequestAsTritonsPythonClientSendsItGetsBinaryLatentsEqualToOnnxRuntime()
    {
        using var onnx = new DirectOnnx();
        var images = Enumerable.Range(0, 64).Select(Digits.ModelInput).ToArray();

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [64, 1, 28, 28], [.. images.SelectMany(image => image)], id: "batch-7"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var (header, latents) = await ReadBinaryAsync(response);
        Assert.Equal("batch-7", header.GetProperty("id").GetString());
        var output = Assert.Single(header.GetProperty("outputs").EnumerateArray());
        Assert.False(output.TryGetProperty("data", out _));
        Assert.Equal([64, 20], output.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()));
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(onnx.Encode(images[i]), latents[(i * 20)..((i + 1) * 20)]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AGzipBinaryRequestGetsTheLatentsOfTheUncompressedOne(bool declared)
    {
        using var onnx = new DirectOnnx();
        var images = Enumerable.Range(0, 8).Select(Digits.ModelInput).ToArray();
        using var plain = TritonClientRequest("image", [8, 1, 28, 28], [.. images.SelectMany(image => image)]);
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await plain.CopyToAsync(gzip);
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.Add(HeaderLength, plain.Headers.GetValues(HeaderLength));
        if (declared)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (_, latents) = await ReadBinaryAsync(response);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(onnx.Encode(images[i]), latents[(i * 20)..((i + 1) * 20)]);
        }
    }

    [Fact]
    public async Task BinaryLatentsInGiveBinaryImagesOutThatTheEncoderTurnsBackIntoTheSameLatents()
    {
        using var onnx = new DirectOnnx();
        var image = Digits.ModelInput(5);
        var latent = onnx.Encode(image);
        var binaryOut = new JsonArray(new JsonObject { ["name"] = "image", ["parameters"] = new JsonObject { ["binary_data"] = true } });

        using var decoded = await client.PostAsync("/v2/models/mnist-decoder/infer", TritonClientRequest("latent", [1, 20], latent, outputs: binaryOut));
        var (header, pixels) = await ReadBinaryAsync(decoded);
        using var encoded = await client.PostAsync("/v2/models/mnist-encoder/versions/1/infer", TritonClientRequest("image", [1, 1, 28, 28], pixels));
        var (_, roundTrip) = await ReadBinaryAsync(encoded);

        Assert.Equal([1, 1, 28, 28], Assert.Single(header.GetProperty("outputs").EnumerateArray()).GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()));
        Assert.Equal(onnx.Decode(latent), pixels);
        Assert.Equal(onnx.Encode(pixels), roundTrip);
    }

    [Fact]
    public async Task AnOutputsOwnBinaryDataFalseOverridesTheRequestsBinaryDataOutput()
    {
        using var onnx = new DirectOnnx();
        var latent = onnx.Encode(Digits.ModelInput(9));
        var request = """
            {"parameters":{"binary_data_output":true},
             "inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","parameters":{"binary_data_size":80}}],
             "outputs":[{"name":"image","parameters":{"binary_data":false}}]}
            """;

        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", Body(request, LittleEndian(latent)));

        var body = await AssertJsonAsync(response);
        Assert.Equal(onnx.Decode(latent), Assert.Single(body.GetProperty("outputs").EnumerateArray()).GetProperty("data").Floats());
    }

    [Fact]
    public async Task JsonTensorsInCanAskForBinaryOut()
    {
        using var onnx = new DirectOnnx();
        var image = Digits.ModelInput(11);
        var request = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject { ["name"] = "image", ["shape"] = new JsonArray(1, 1, 28, 28), ["datatype"] = "FP32", ["data"] = Nested(image) }),
            ["outputs"] = new JsonArray(new JsonObject { ["name"] = "latent", ["parameters"] = new JsonObject { ["binary_data"] = true } }),
        };

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", Json(request.ToJsonString()));

        var (_, latent) = await ReadBinaryAsync(response);
        Assert.Equal(onnx.Encode(image), latent);
    }

    [Fact]
    public async Task ProtocolRequestsGoThroughTheEncodersDynamicBatching()
    {
        var before = await QueueWaitsAsync();

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [2, 1, 28, 28], [.. Digits.ModelInput(0), .. Digits.ModelInput(1)]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before + 1, await QueueWaitsAsync());
    }

    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "mnist-encoder", """{"inputs":[{"name":"image","shape":[1,28,28],"datatype":"FP32","data":[0]}]}""", 400, "Input 'image' has shape [1, 28, 28]; it must be [-1, 1, 28, 28]" },
        { "mnist-encoder", """{"inputs":[{"name":"image","shape":[0,1,28,28],"datatype":"FP32","data":[]}]}""", 400, "a batch size of at least 1" },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":[2,20],"datatype":"FP32","data":[1,2,3]}]}""", 400, "Input 'latent' has shape [2, 20], which is 40 values, but its 'data' holds 3." },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP64","data":[1,2,3]}]}""", 400, "Input 'latent' must have datatype FP32, not 'FP64'." },
        { "mnist-decoder", """{"inputs":[{"name":"z","shape":[1,20],"datatype":"FP32","data":[1,2,3]}]}""", 400, "Model 'mnist-decoder' has no input 'z'; it takes one input, 'latent' (FP32 [-1, 20])." },
        { "mnist-decoder", """{"inputs":[]}""", 400, "The request has no 'inputs'" },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"x"]}]}""", 400, "must hold FP32 numbers; value 19 is \"x\"" },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}],"outputs":[{"name":"pixels"}]}""", 400, "Model 'mnist-decoder' has no output 'pixels'; it gives one output, 'image'." },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32"}]}""", 400, "Input 'latent' needs 'data'" },
        { "mnist-decoder", """{"inputs":[{"name":"latent","shape":"1,20","datatype":"FP32"}]}""", 400, "does not follow the protocol: 'inputs[0].shape' must be an array of whole numbers." },
        { "mnist-decoder", """{"inputs":[[1,2],[3,4]]}""", 400, "does not follow the protocol: 'inputs[0]' must be an input tensor, an object with 'name', 'shape', 'datatype' and 'data'" },
        { "mnist-decoder", """{"inputs":{"name":"latent"}}""", 400, "does not follow the protocol: 'inputs' must be an array of input tensors." },
        { "mnist-decoder", """[1,2]""", 400, "does not follow the protocol: the request must be a JSON object with 'inputs'." },
        { "mnist-decoder", """{"inputs":[""", 400, "The inference request is not valid JSON: " },
        { "mnist-encoder", """{"inputs":[{"name":"image","shape":[1,1,28,28],"datatype":"FP32","parameters":{"shared_memory_region":"r"}}]}""", 400, "shared-memory extensions are not supported" },
        { "mnist-encoder", """{"inputs":[{"name":"image","shape":[200000,1,28,28],"datatype":"FP32","data":[]}]}""", 413, "A batch of 200000 is too large" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task MistakesInJsonRequestsAre4xxErrorsThatSayWhatIsWrong(string model, string request, int status, string error)
    {
        using var response = await client.PostAsync($"/v2/models/{model}/infer", Json(request));

        await AssertErrorAsync(response, status, error);
        Assert.DoesNotContain("Autoencoder.Api", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PixelsOutsideTheModelsRangeAreRefused()
    {
        var image = Digits.ModelInput(0).Select(value => value * 255).ToArray();

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [1, 1, 28, 28], image));

        await AssertErrorAsync(response, 400, "Pixels must be in [0, 1] for model 'mnist'");
    }

    [Fact]
    public async Task InfiniteBinaryLatentsAreRefused()
    {
        var latent = new float[20];
        latent[3] = float.PositiveInfinity;

        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", TritonClientRequest("latent", [1, 20], latent));

        await AssertErrorAsync(response, 400, "Latents must be finite numbers; value 3 (latent 0) is");
    }

    [Theory]
    [InlineData(76, 0, "'binary_data_size' of input 'latent' is 80, but 76 bytes of binary data follow the JSON")]
    [InlineData(84, 0, "'binary_data_size' of input 'latent' is 80, but 84 bytes of binary data follow the JSON")]
    [InlineData(80, 10_000, "Inference-Header-Content-Length is")]
    [InlineData(80, -1, "Inference-Header-Content-Length must be the JSON object's length in bytes, not '-1'")]
    public async Task BinaryDataThatDoesNotAddUpIsRefused(int bytes, int declaredHeaderLength, string error)
    {
        const string request = """{"inputs":[{"name":"latent","shape":[1,20],"datatype":"FP32","parameters":{"binary_data_size":80}}]}""";

        using var response = await client.PostAsync(
            "/v2/models/mnist-decoder/infer", Body(request, new byte[bytes], declaredHeaderLength == 0 ? null : declaredHeaderLength));

        await AssertErrorAsync(response, 400, error);
    }

    [Fact]
    public async Task ABinarySizeThatIsNotTheShapesIsRefused()
    {
        const string request = """{"inputs":[{"name":"latent","shape":[2,20],"datatype":"FP32","parameters":{"binary_data_size":80}}]}""";

        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", Body(request, new byte[80]));

        await AssertErrorAsync(response, 400, "Input 'latent' of shape [2, 20] is 160 bytes of FP32, but 'binary_data_size' says 80.");
    }

    [Fact]
    public async Task BytesAfterAJsonOnlyRequestAreRefused()
    {
        using var response = await client.PostAsync("/v2/models/mnist-decoder/infer", Body(DecoderRequest(1), new byte[8]));

        await AssertErrorAsync(response, 400, "8 bytes follow the JSON, but no input has 'binary_data_size'.");
    }

    [Fact]
    public async Task TheImageEndpointsStillAnswerProblemResponses()
    {
        using var response = await client.GetAsync("/models/nothing");

        await response.AssertProblemAsync(404, "There is no model 'nothing'");
    }

    private static string DecoderRequest(int count, float[]? values = null) =>
        new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "latent",
                ["shape"] = new JsonArray(count, 20),
                ["datatype"] = "FP32",
                ["data"] = new JsonArray([.. (values ?? new float[count * 20]).Select(value => JsonValue.Create(value))]),
            }),
        }.ToJsonString();

    /// <summary>An image as [1][28][28] nested arrays, as numpy's tolist() gives it.</summary>
    private static JsonArray Nested(float[] image) =>
        new(new JsonArray([.. image.Chunk(28).Select(row => new JsonArray([.. row.Select(value => JsonValue.Create(value))]))]));

    private async Task<float[]> EncodeEndpointAsync(int index)
    {
        using var response = await client.PostAsync("/encode?preprocess=none", Raw(Digits.Png(index), "image/png"));
        return (await response.JsonAsync()).GetProperty("latent").Floats();
    }

    private async Task<long> QueueWaitsAsync()
    {
        var metrics = await client.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(line => line.StartsWith("autoencoder_queue_wait_seconds_count{model=\"mnist\",stage=\"encoder\"}", StringComparison.Ordinal));
        return long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AssertMetadata(JsonElement metadata, string name, (string Name, long[] Shape) input, (string Name, long[] Shape) output)
    {
        Assert.Equal(name, metadata.GetProperty("name").GetString());
        Assert.Equal(["1"], metadata.GetProperty("versions").EnumerateArray().Select(version => version.GetString()));
        Assert.Equal("onnx_onnxv1", metadata.GetProperty("platform").GetString());
        AssertTensor(Assert.Single(metadata.GetProperty("inputs").EnumerateArray()), input);
        AssertTensor(Assert.Single(metadata.GetProperty("outputs").EnumerateArray()), output);
    }

    private static void AssertTensor(JsonElement tensor, (string Name, long[] Shape) expected)
    {
        Assert.Equal(expected.Name, tensor.GetProperty("name").GetString());
        Assert.Equal("FP32", tensor.GetProperty("datatype").GetString());
        Assert.Equal(expected.Shape, tensor.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt64()));
    }

    private static async Task<JsonElement> AssertJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }
}
