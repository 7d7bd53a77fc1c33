using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class ErrorTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task AMissingFormFieldIsNamed()
    {
        using var response = await client.PostAsync("/reconstruct", PngForm("picture", Digits.Png(0)));

        await response.AssertProblemAsync(400, "Missing the image file in form field 'image'");
    }

    [Fact]
    public async Task TwoFilesWhereOneIsExpectedIsABadRequest()
    {
        using var response = await client.PostAsync("/encode", Form(("image", Digits.Png(0), "image/png"), ("image", Digits.Png(1), "image/png")));

        await response.AssertProblemAsync(400, "holds 2 files; send exactly one");
    }

    [Fact]
    public async Task InterpolateNeedsBothFields()
    {
        using var response = await client.PostAsync("/interpolate", PngForm("first", Digits.Png(0)));

        await response.AssertProblemAsync(400, "form field 'second'");
    }

    [Fact]
    public async Task TextIsNotAnImage()
    {
        using var response = await client.PostAsync("/reconstruct", Form(("image", Encoding.UTF8.GetBytes("hello, world"), "image/png")));

        await response.AssertProblemAsync(415, "PNG or JPEG");
    }

    [Fact]
    public async Task AGifIsAnUnsupportedFormatEvenWhenCalledPng()
    {
        using var image = new Image<L8>(28, 28);
        using var gif = new MemoryStream();
        image.SaveAsGif(gif);

        using var response = await client.PostAsync("/reconstruct", Raw(gif.ToArray(), "image/png"));

        await response.AssertProblemAsync(415, "PNG or JPEG");
    }

    [Fact]
    public async Task ARawBodyOfAnotherContentTypeIsUnsupported()
    {
        using var response = await client.PostAsync("/reconstruct", Raw(Digits.Png(0), "text/plain"));

        await response.AssertProblemAsync(415, "multipart/form-data field 'image'");
    }

    [Fact]
    public async Task AnEmptyBodyIsABadRequest()
    {
        using var response = await client.PostAsync("/encode", Raw([], "image/png"));

        await response.AssertProblemAsync(400, "empty");
    }

    [Theory]
    [InlineData("{\"latent\":[1,2,3]}", "must have 20 numbers")]
    [InlineData("{\"latent\":[NaN,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}", "JSON body is not valid")]
    [InlineData("{\"latent\":[1e39,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}", "must hold finite numbers in float range; element 0 is 1e39")]
    [InlineData("{\"latent\":\"zero\"}", "a 'latent' array of numbers, or an array of such arrays")]
    [InlineData("[1,2,3]", "a 'latent' array of numbers, or an array of such arrays")]
    [InlineData("[[1,2],[3]]", "Latent [1] has 1 numbers, latent [0] has 2")]
    [InlineData("[[1,2],[3,4]]", "must have 20 numbers")]
    [InlineData("{}", "'latent' array of numbers")]
    [InlineData("{\"latent\":", "JSON body is not valid")]
    public async Task ABadLatentSaysWhatIsWrong(string json, string detail)
    {
        using var response = await client.PostAsync("/decode", new StringContent(json, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(400, detail);
    }

    [Theory]
    [InlineData("multipart/form-data")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task AMalformedMultipartBodyIsABadRequest(string contentType)
    {
        using var content = new StringContent("garbage");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync("/encode", content);

        await response.AssertProblemAsync(400, "multipart/form-data body is malformed");
    }

    [Fact]
    public async Task DecodeWithoutABodySaysWhatToSend()
    {
        using var response = await client.PostAsync("/decode", new StringContent("", Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(400, "'latent' array of numbers");
    }

    [Fact]
    public async Task DecodeOfTextIsAnUnsupportedMediaTypeThatSaysWhere()
    {
        using var response = await client.PostAsync("/decode", new StringContent("1,2,3", Encoding.UTF8, "text/plain"));

        await response.AssertProblemAsync(415, "/decode does not take Content-Type 'text/plain");
    }

    [Fact]
    public async Task AWrongMethodOrPathIsAProblemPointingToSwagger()
    {
        using var get = await client.GetAsync("/encode");
        using var unknown = await client.GetAsync("/nowhere");

        await get.AssertProblemAsync(405, "/encode does not take GET");
        await unknown.AssertProblemAsync(404, "There is no endpoint at /nowhere");
    }

    [Theory]
    [InlineData("/reconstruct", "truncated PNG", "image/png", 400, "corrupt or truncated")]
    [InlineData("/reconstruct", "empty body", "image/png", 400, "is empty")]
    [InlineData("/score", "digit", "text/html", 406, "answers")]
    [InlineData("/nowhere", "digit", "image/png", 404, "There is no endpoint at /nowhere")]
    public async Task AProblemCarriesItsTypeTitleAndTraceIdWhateverTheAccept(string path, string body, string accept, int status, string detail)
    {
        var png = Digits.Png(0);
        byte[] bytes = body switch
        {
            "truncated PNG" => png[..(png.Length / 2)],
            "empty body" => [],
            _ => png,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Raw(bytes, "image/png") };
        request.Headers.Accept.ParseAdd(accept);

        using var response = await client.SendAsync(request);

        await response.AssertProblemAsync(status, detail);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Api.Http.ErrorResponses.TypeFor(status), problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AnUnknownPreprocessModeIsABadRequest()
    {
        using var response = await client.PostAsync("/encode?preprocess=magic", PngForm("image", Digits.Png(0)));

        await response.AssertProblemAsync(400, "'preprocess' must be 'auto' or 'none'");
    }
}

public sealed class UploadLimitTests : IDisposable
{
    private readonly ConfiguredApiFactory factory = new(new Dictionary<string, string?> { ["Limits:MaxImageBytes"] = "1000" });

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task AnImageOverTheConfiguredSizeIsTooLarge()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct", PngForm("image", Digits.UpscaledInvertedPng(0, 10)));

        await response.AssertProblemAsync(413, "larger than the 1000 bytes");
    }
}
