using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class ModelsAndHealthTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task ModelsListsEveryBundledModelWithItsArchitectureImageHandlingAndTestError()
    {
        using var response = await client.GetAsync("/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = (await response.JsonAsync()).EnumerateArray().ToDictionary(model => model.GetProperty("name").GetString()!);
        Assert.Equal(["fashion", "fashion-denoise", "fashion-sneakers", "fashion-vae", "mnist", "mnist-colour", "mnist-conv", "mnist-denoise", "mnist-sevens", "mnist-vae"], models.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("conv", "fit", "fashion-mnist"), Describe(models["fashion"]));
        Assert.Equal(("conv", "mnist-digit", "mnist"), Describe(models["mnist-conv"]));
        Assert.Equal(("fc", "mnist-digit", "mnist"), Describe(models["mnist"]));
        Assert.Single(models.Values, model => model.GetProperty("isDefault").GetBoolean());
        foreach (var model in models.Values)
        {
            Assert.InRange(model.GetProperty("testMeanSquaredError").GetProperty("unit").GetDouble(), 0.001, 0.02);
            Assert.Equal(101, model.GetProperty("validationErrors").GetProperty("percentiles").GetArrayLength());
            Assert.True(model.GetProperty("architecture").GetProperty("parameters").GetInt64() > 0);
        }

        static (string?, string?, string?) Describe(JsonElement model) => (
            model.GetProperty("architecture").GetProperty("kind").GetString(),
            model.GetProperty("imageHandling").GetString(),
            model.GetProperty("dataset").GetProperty("name").GetString());
    }

    [Fact]
    public async Task TheDefaultModelIsTheArticlesWithItsContractAndProvider()
    {
        using var response = await client.GetAsync("/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var model = Assert.Single((await response.JsonAsync()).EnumerateArray(), model => model.GetProperty("isDefault").GetBoolean());
        Assert.Equal("mnist", model.GetProperty("name").GetString());
        Assert.True(model.GetProperty("isDefault").GetBoolean());
        Assert.Equal(20, model.GetProperty("latentSize").GetInt32());
        Assert.Equal("fc", model.GetProperty("architecture").GetProperty("kind").GetString());
        Assert.Equal("mnist", model.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal("NCHW", model.GetProperty("contract").GetProperty("layout").GetString());
        Assert.InRange(model.GetProperty("testMeanSquaredError").GetProperty("unit").GetDouble(), 0.001, 0.02);
        Assert.Equal("CPUExecutionProvider", model.GetProperty("executionProvider").GetString());
    }

    [Fact]
    public async Task OneModelByNameOr404()
    {
        using var known = await client.GetAsync("/models/mnist");
        using var unknown = await client.GetAsync("/models/..%2F..%2Fetc");

        Assert.Equal("mnist", (await known.JsonAsync()).GetProperty("name").GetString());
        await unknown.AssertProblemAsync(404, "There is no model");
    }

    [Fact]
    public async Task LivenessAnswers()
    {
        using var response = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessNamesEachModelAndItsProvider()
    {
        using var response = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var models = body.GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(["fashion", "fashion-denoise", "fashion-sneakers", "fashion-vae", "mnist", "mnist-colour", "mnist-conv", "mnist-denoise", "mnist-sevens", "mnist-vae"], models.Select(model => model.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(models, model => Assert.Equal("CPUExecutionProvider", model.GetProperty("executionProvider").GetString()));
    }

    [Fact]
    public async Task TheRootIsThePageLinkingToSwaggerUi()
    {
        using var response = await client.GetAsync("/");
        using var ui = await client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>Autoencoder", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/swagger\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task ThePagesScriptsAndStylesAreServedCompressedWithValidators()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("gzip", response.Content.Headers.ContentEncoding);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task TheLatentMapGivesPointsLabelsAndTheProjectionBack()
    {
        using var response = await client.GetAsync("/models/mnist/latent-map");
        var models = await client.GetFromJsonAsync<JsonElement>("/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var map = await response.JsonAsync();
        Assert.Equal("mnist", map.GetProperty("model").GetString());
        Assert.Equal(20, map.GetProperty("mean").GetArrayLength());
        Assert.All(map.GetProperty("components").EnumerateArray(), component => Assert.Equal(1, Math.Sqrt(component.Floats().Sum(value => value * value)), 3));
        Assert.True(map.GetProperty("points").GetArrayLength() >= 1000);
        Assert.All(map.GetProperty("points").EnumerateArray(), point => Assert.InRange(point.GetProperty("label").GetInt32(), 0, 9));
        Assert.Equal(10, map.GetProperty("examples").GetArrayLength());
        Assert.True(models[0].GetProperty("hasLatentMap").GetBoolean());
    }

    [Fact]
    public async Task TheLatentMapOfAnUnknownModelIs404()
    {
        using var response = await client.GetAsync("/models/cifar/latent-map");

        await response.AssertProblemAsync(404, "There is no model 'cifar'");
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryEndpointWithUploadsAndPngResponses()
    {
        using var response = await client.GetAsync("/swagger/v1/swagger.json");

        var paths = (await response.JsonAsync()).GetProperty("paths");
        Assert.Equal(
            ["/decode", "/denoise", "/encode", "/generate", "/health/live", "/health/ready", "/interpolate", "/models", "/models/{name}", "/models/{name}/latent-map", "/reconstruct", "/score",
             "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/stats", "/v2/models/{name}", "/v2/models/{name}/infer", "/v2/models/{name}/ready",
             "/v2/models/{name}/stats", "/v2/models/{name}/versions/{version}", "/v2/models/{name}/versions/{version}/infer",
             "/v2/models/{name}/versions/{version}/ready", "/v2/models/{name}/versions/{version}/stats",
             "/v2/repository/index", "/v2/repository/models/{name}/load", "/v2/repository/models/{name}/unload"],
            paths.EnumerateObject().Select(path => path.Name).Order(StringComparer.Ordinal));
        var reconstruct = paths.GetProperty("/reconstruct").GetProperty("post");
        Assert.Equal("Reconstruct", reconstruct.GetProperty("operationId").GetString());
        var upload = reconstruct.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("binary", upload.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("image").GetProperty("format").GetString());
        Assert.True(upload.TryGetProperty("image/png", out _));
        var ok = reconstruct.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(ok.TryGetProperty("image/png", out _));
        Assert.True(ok.TryGetProperty("application/json", out _));
        var interpolate = paths.GetProperty("/interpolate").GetProperty("post");
        Assert.Equal(
            ["first", "second"],
            interpolate.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Contains(interpolate.GetProperty("parameters").EnumerateArray(), parameter => parameter.GetProperty("name").GetString() == "steps");
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/decode").GetProperty("post").GetProperty("requestBody").ValueKind);
        var generate = paths.GetProperty("/generate").GetProperty("post");
        Assert.Equal("Generate", generate.GetProperty("operationId").GetString());
        Assert.False(generate.TryGetProperty("requestBody", out _));
        Assert.Equal(
            ["count", "model", "seed", "temperature", "version"],
            generate.GetProperty("parameters").EnumerateArray().Select(parameter => parameter.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var generated = generate.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(generated.TryGetProperty("image/png", out _));
        Assert.True(generated.TryGetProperty("application/x-idx", out _));
        Assert.True(generate.GetProperty("responses").TryGetProperty("409", out _));
    }

    [Fact]
    public async Task TheDocumentedDecodeExampleWorksAsItStands()
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var example = document.GetProperty("components").GetProperty("schemas").GetProperty("DecodeRequest").GetProperty("example");

        using var response = await client.PostAsJsonAsync("/decode", example);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
    }
}
