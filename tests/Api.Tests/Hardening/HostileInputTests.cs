using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Autoencoder.Api.Tests.Hardening.HostilePayloads;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>
/// Hostile, broken and odd requests, each sent to every endpoint that could receive it, through real Kestrel. Each
/// must get its expected answer (a 4xx problem that says what to fix, or 200 for odd but valid input, never a 5xx),
/// and the service must still reconstruct a real digit afterwards.
/// </summary>
public sealed class HostileInputTests(KestrelApiFactory factory) : IClassFixture<KestrelApiFactory>
{
    private readonly HttpClient client = factory.CreateClient();

    public static TheoryData<CaseName> Cases => [.. HostileCases.All.Keys.Select(name => new CaseName(name))];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileInputGetsItsAnswerAndTheServiceKeepsServing(CaseName @case)
    {
        var hostile = HostileCases.All[@case.Name];

        using (var request = hostile.Request())
        using (var response = await client.SendAsync(request))
        {
            await AssertAnswerAsync(response, hostile.Expected);
        }

        using var valid = await client.PostAsync("/reconstruct", PngForm("image", Digits.Png(0)));
        await valid.AssertDigitPngAsync();
    }

    [Fact]
    public async Task TheSuiteRunsOnKestrelListeningOnLoopbackOnly()
    {
        var server = factory.Services.GetRequiredService<IServer>();
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

        Assert.Contains("Kestrel", server.GetType().Name, StringComparison.Ordinal);
        Assert.NotEmpty(addresses);
        Assert.All(addresses, address => Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal));
        Assert.Equal(new Uri(addresses.Single()).Port, client.BaseAddress?.Port);

        // The in-memory TestServer would accept any upload size; Kestrel stops /reconstruct at MaxUploadBodyBytes.
        using var request = HostileCases.Post("/reconstruct", Raw(new byte[21_037_057], "image/png"));
        using var response = await client.SendAsync(request);
        await response.AssertProblemAsync(413, "max request body size is 21037056 bytes");
    }

    private static async Task AssertAnswerAsync(HttpResponseMessage response, Answer expected)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"a client's request got {status}: {body}");

        if (expected.Detail is { } protocolError && expected.MediaType == Answer.ProtocolErrorType)
        {
            await OpenInference.ProtocolErrors.AssertErrorAsync(response, expected.Status, protocolError);
            return;
        }

        if (expected.Detail is { } detail)
        {
            await response.AssertProblemAsync(expected.Status, detail);
            return;
        }

        Assert.True(status == expected.Status, $"expected {expected.Status}, got {status}: {body}");
        Assert.Equal(expected.MediaType, response.Content.Headers.ContentType?.MediaType);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>
/// A case's name as a theory argument: xunit 2 cuts string arguments to 50 characters in test names, but shows a
/// type's own ToString in full, so every case is listed, filtered and reported by its whole name.
/// </summary>
public sealed class CaseName : IXunitSerializable
{
    public CaseName()
    {
        Name = "";
    }

    public CaseName(string name)
    {
        Name = name;
    }

    public string Name { get; private set; }

    public void Deserialize(IXunitSerializationInfo info) => Name = info.GetValue<string>(nameof(Name));

    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Name), Name);

    public override string ToString() => Name;
}

/// <summary>What one request must get back.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Detail">For a problem response, a phrase its detail must contain.</param>
/// <param name="MediaType">The response's media type; null for none (Kestrel's own refusals have no body).</param>
internal sealed record Answer(int Status, string? Detail, string? MediaType)
{
    /// <summary>The media type of the Open Inference Protocol's errors, {"error": "..."} by its specification.</summary>
    public const string ProtocolErrorType = "application/json";

    public static Answer Problem(int status, string detail) => new(status, detail, "application/problem+json");

    /// <summary>The Open Inference Protocol's error, whose message must contain <paramref name="error"/>.</summary>
    public static Answer ProtocolError(int status, string error) => new(status, error, ProtocolErrorType);

    /// <summary>200, as the endpoint's usual media type unless one is given.</summary>
    public static Answer Ok(string? mediaType = null) => new(200, null, mediaType);

    /// <summary>
    /// Kestrel refuses some requests (request line or headers too long, a NUL in the path) before any middleware
    /// runs, with an empty body: the application never sees them, so there is no problem response it could write.
    /// </summary>
    public static Answer RefusedByKestrel(int status) => new(status, null, null);

    /// <summary>A 200 without a media type takes the endpoint's usual one.</summary>
    public Answer OrElse(string successType) => Status == 200 && MediaType is null ? this with { MediaType = successType } : this;
}

/// <summary>One named request and what it must get back.</summary>
internal sealed record HostileCase(string Name, Func<HttpRequestMessage> Request, Answer Expected);

/// <summary>The table: every hostile input, fanned out to every endpoint that could receive it.</summary>
internal static class HostileCases
{
    private const string Json = "application/json";
    private const string Png = "image/png";

    private static readonly Lazy<IReadOnlyDictionary<string, HostileCase>> Table = new(() => Build().ToDictionary(hostile => hostile.Name));

    /// <summary>The four inference endpoints, each with a request it answers with 200 and the media type of that answer.</summary>
    private static readonly Endpoint[] Endpoints =
    [
        new("/encode", "", Json, () => PngForm("image", Digits.Png(0))),
        new("/reconstruct", "", Png, () => PngForm("image", Digits.Png(0))),
        new("/interpolate", "steps=2", Png, () => Form(("first", Digits.Png(0), Png), ("second", Digits.Png(1), Png))),
        new("/decode", "", Png, () => JsonBody(Latent(20))),
    ];

    /// <summary>Every way an image reaches the service: raw body or form file, to each endpoint that takes images.</summary>
    private static readonly ImageTarget[] ImageTargets =
    [
        new("POST /encode (raw)", "/encode", Json, (bytes, type) => Raw(bytes, type)),
        new("POST /encode (form)", "/encode", Json, (bytes, type) => Form(("image", bytes, type))),
        new("POST /reconstruct (raw)", "/reconstruct", Png, (bytes, type) => Raw(bytes, type)),
        new("POST /reconstruct (form)", "/reconstruct", Png, (bytes, type) => Form(("image", bytes, type))),
        new("POST /interpolate (form, first)", "/interpolate?steps=2", Png, (bytes, type) => Form(("first", bytes, type), ("second", Digits.Png(1), Png))),
        new("POST /score (raw)", "/score", Png, (bytes, type) => Raw(bytes, type)),
        new("POST /score (form)", "/score", Png, (bytes, type) => Form(("image", bytes, type))),

        // No denoiser is bundled, so /denoise is named a plain model; it reads images as /reconstruct does.
        new("POST /denoise (raw)", "/denoise?model=mnist", Png, (bytes, type) => Raw(bytes, type)),
    ];

    /// <summary>For the costliest images (a 16-megapixel decode each): every endpoint once, by one transport or the other.</summary>
    private static readonly ImageTarget[] OneTransportEach = [ImageTargets[0], ImageTargets[3], ImageTargets[4]];

    /// <summary>Every multipart request an image endpoint takes; interpolate gets a valid 'second' besides whatever the case sends.</summary>
    private static readonly FormTarget[] FormTargets =
    [
        new("POST /encode", "/encode", "image", () => []),
        new("POST /reconstruct", "/reconstruct", "image", () => []),
        new("POST /interpolate", "/interpolate?steps=2", "first", () => [("second", Digits.Png(1), Png)]),
        new("POST /score", "/score", "image", () => []),
        new("POST /denoise", "/denoise?model=mnist", "image", () => []),
    ];

    public static IReadOnlyDictionary<string, HostileCase> All => Table.Value;

    private static IEnumerable<HostileCase> Build()
    {
        var limits = new Api.Limits.LimitsOptions();
        var images = new Api.Images.ImageLimits();
        const string Unsupported = "Unsupported image format: send PNG or JPEG.";
        const string Corrupt = "The image data is corrupt or truncated";
        const string TooManyPixels = "Scale it down and send it again.";

        IEnumerable<HostileCase>[] groups =
        [
            // Bodies that are not images at all, or nothing.
            Image("empty body / zero-byte file", () => [], Answer.Problem(400, "is empty; send a PNG or JPEG image")),
            Image("text file sent as PNG", () => Text, Answer.Problem(415, Unsupported)),
            Image("SVG sent as PNG", () => Svg, Answer.Problem(415, Unsupported)),
            Image("4 KB of random bytes", () => RandomBytes, Answer.Problem(415, Unsupported)),
            Image("PNG signature and nothing else", () => PngSignatureOnly, Answer.Problem(400, Corrupt)),

            // Broken PNGs.
            Image("truncated PNG", () => TruncatedPng, Answer.Problem(400, Corrupt)),
            Image("PNG with a bad IHDR CRC", () => PngWithBadHeaderCrc, Answer.Problem(400, Corrupt)),
            Image("PNG with corrupt IDAT data (CRC mismatch)", () => PngWithBadDataCrc, Answer.Problem(400, Corrupt)),
            Image("PNG declaring 0x0", () => PngHeaderOnly(0, 0), Answer.Problem(400, Corrupt)),
            Image("PNG declaring -1x-1 (0xFFFFFFFF)", () => PngHeaderOnly(-1, -1), Answer.Problem(400, Corrupt)),
            Image("PNG declaring -536870884x-1441692 (sizes past 2^31)", () => PngHeaderOnly(-536_870_884, -1_441_692), Answer.Problem(400, Corrupt)),

            // Bombs: small files that declare or inflate to huge images.
            Image("PNG bomb 20000x20000 whose IDAT inflates to 400 MB", () => GigapixelPngBomb, Answer.Problem(413, "The image is 20000x20000 pixels")),
            Image("PNG declaring 50000x50000", () => PngHeaderOnly(50_000, 50_000), Answer.Problem(413, TooManyPixels)),
            Image("PNG declaring 16385x1 (one over MaxWidth)", () => PngHeaderOnly(images.MaxWidth + 1, 1), Answer.Problem(413, $"at most {images.MaxWidth} wide")),
            Image("PNG declaring 4097x4097 (one row and column over MaxPixels)", () => PngHeaderOnly(4097, 4097), Answer.Problem(413, $"the limit is {images.MaxPixels} pixels")),
            Image("PNG 28x28 with a second IHDR declaring 50000x50000", () => PngWithSecondHeader, Answer.Problem(413, TooManyPixels)),
            Image("PNG 1x1 whose IDAT inflates to 256 MiB", () => OnePixelPngInflatingTo256MiB, Answer.Ok()),
            Image("PNG 28x28 whose zTXt comment inflates to 1 GiB", () => PngWithTextInflatingTo1GiB("zTXt"), Answer.Ok()),
            Image("PNG 28x28 whose compressed iTXt comment inflates to 1 GiB", () => PngWithTextInflatingTo1GiB("iTXt"), Answer.Ok()),
            Image("PNG 4096x4096 (exactly MaxPixels) from a 16 KB file", () => LargestAllowedCanvasFromATinyFile, Answer.Ok(), targets: OneTransportEach),
            Image("JPEG declaring 65500x65500", () => JpegDeclaringHugeSize, Answer.Problem(413, TooManyPixels)),
            Image("JPEG declaring 4096x4096 over a 56x56 scan", () => JpegDeclaringLargestAllowedSize, Answer.Ok(), targets: OneTransportEach),

            // Broken JPEGs.
            Image("truncated JPEG (the decoder fills in the missing scan)", () => TruncatedJpeg, Answer.Ok(), "image/jpeg"),
            Image("JPEG with a corrupt quantisation table", () => JpegWithCorruptQuantisationTable, Answer.Problem(400, Corrupt), "image/jpeg"),
            Image("JPEG with a corrupt Huffman table", () => JpegWithCorruptHuffmanTable, Answer.Problem(400, Corrupt), "image/jpeg"),
            Image("JPEG with zero components", () => JpegWithZeroComponents, Answer.Problem(400, Corrupt), "image/jpeg"),
            Image("JPEG whose scan is noise", () => JpegWithNoiseForScan, Answer.Ok(), "image/jpeg"),
            Image("progressive JPEG 4096x4096 with 257 scans", () => ProgressiveJpeg(4096, acScans: 256), Answer.Problem(400, "more than 256 scans"), "image/jpeg"),
            Image("progressive JPEG 4096x4096 with 100001 scans (a minute of CPU each)", () => ProgressiveJpeg(4096, acScans: 100_000), Answer.Problem(400, "more than 256 scans"), "image/jpeg"),

            // Other formats, labelled PNG.
            Image("animated GIF sent as PNG", () => AnimatedGif, Answer.Problem(415, Unsupported)),
            Image("BMP sent as PNG", () => Bmp, Answer.Problem(415, Unsupported)),
            Image("TIFF sent as PNG", () => Tiff, Answer.Problem(415, Unsupported)),
            Image("WebP sent as PNG", () => Webp, Answer.Problem(415, Unsupported)),
            Image("bare RIFF/WEBP header sent as PNG", () => WebpHeaderOnly, Answer.Problem(415, Unsupported)),

            // Valid but odd: documented here so the table says what the service does with them.
            Image("1x1 PNG", () => OnePixelPng, Answer.Ok()),
            Image("16384x1 PNG (extreme aspect ratio)", () => OnePixelHighLine(images.MaxWidth), Answer.Ok()),
            Image("16-bit grayscale PNG", () => SixteenBitGrayDigit, Answer.Ok()),
            Image("16-bit RGBA PNG", () => SixteenBitRgbaDigit, Answer.Ok()),
            Image("palette PNG", () => PaletteDigit, Answer.Ok()),
            Image("palette PNG indexing past its one-entry palette", () => PngIndexingPastItsPalette, Answer.Ok()),
            Image("progressive JPEG (a DC and an AC scan)", () => ProgressiveJpeg(64, acScans: 1), Answer.Ok(), "image/jpeg"),
            Image("Adam7-interlaced PNG (ImageSharp 2.1 can hang on them)", () => InterlacedDigit, Answer.Problem(415, "interlaced PNG")),
            Image("fully transparent PNG", () => TransparentPng, Answer.Ok()),
            Image("JPEG labelled image/png", () => Jpeg, Answer.Ok()),
            Image("PNG labelled IMAGE/PNG", () => Digits.Png(0), Answer.Ok(), "IMAGE/PNG"),

            // Preprocessing off requires the model's exact size.
            Image("56x56 PNG with preprocess=none", () => DoubleSizeDigit, Answer.Problem(400, "preprocess=none requires exactly 28x28"), query: "preprocess=none"),

            // Sizes: one byte over each limit, with and without a Content-Length.
            Image("image one byte over MaxImageBytes", () => DigitPaddedTo(limits.MaxImageBytes + 1), Answer.Problem(413, $"larger than the {limits.MaxImageBytes} bytes it may have")),
            Image("image one byte over MaxImageBytes, chunked", () => DigitPaddedTo(limits.MaxImageBytes + 1), Answer.Problem(413, $"larger than the {limits.MaxImageBytes} bytes it may have"), chunked: true),
            Image("body one byte over MaxUploadBodyBytes", () => DigitPaddedTo(limits.MaxUploadBodyBytes + 1), Answer.Problem(413, "")),
            FormOnly("body over MaxUploadBodyBytes, chunked", field => [(field, DigitPaddedTo(limits.MaxUploadBodyBytes + 1), Png)], Answer.Problem(413, ""), chunked: true),

            // Forms that are wrong as forms.
            FormOnly("missing form field", _ => [("picture", Digits.Png(0), Png)], Answer.Problem(400, "Missing the image file in form field")),
            FormOnly("two files in one field", field => [(field, Digits.Png(0), Png), (field, Digits.Png(1), Png)], Answer.Problem(400, "holds 2 files; send exactly one")),
            FormOnly(
                $"more files than MaxFormFiles ({limits.MaxFormFiles})",
                field => [(field, Digits.Png(0), Png), .. Enumerable.Range(1, limits.MaxFormFiles).Select(i => ($"extra{i}", Digits.Png(i), Png))],
                Answer.Problem(400, $"at most {limits.MaxFormFiles} are accepted")),
            FormOnly("a 2 KB field name", _ => [(new string('f', 2048), Digits.Png(0), Png)], Answer.Problem(400, "Missing the image file in form field")),
            FormOnly("a 20 KB field name (over the multipart header limit)", _ => [(new string('f', 20_480), Digits.Png(0), Png)], Answer.Problem(413, "Multipart headers length limit")),
            RawForm("the image as a text field, not a file", field => TextFields((field, Convert.ToBase64String(Digits.Png(0))))),
            RawForm("1000 text fields", _ => TextFields([.. Enumerable.Range(0, 1000).Select(i => ($"field{i}", "x"))]), Answer.Problem(413, "Form value count limit")),
            RawForm("multipart/form-data without a boundary", _ => TypedBody("garbage", "multipart/form-data"), Answer.Problem(400, "multipart/form-data body is malformed")),
            RawForm("multipart whose boundary is not the one its Content-Type names", field => TypedBody(
                $"--right\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nxx\r\n--right--\r\n",
                "multipart/form-data; boundary=wrong"), Answer.Problem(400, "is malformed: its parts are not separated by the boundary its Content-Type names ('wrong')")),
            RawForm("multipart cut off before its closing boundary", field => TypedBody(
                $"--cut\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n{Convert.ToBase64String(Digits.Png(0))}",
                "multipart/form-data; boundary=cut"), Answer.Problem(400, "multipart/form-data body is malformed")),
            RawForm("url-encoded form with the image as base64", field => TypedBody($"{field}={Uri.EscapeDataString(Convert.ToBase64String(Digits.Png(0)))}", "application/x-www-form-urlencoded")),
            RawForm("url-encoded form with a 2000-character key", _ => TypedBody($"{new string('k', 2000)}=1", "application/x-www-form-urlencoded"), Answer.Problem(413, "Form key length limit")),

            // Raw bodies that are not images or forms.
            WrongContentType("text/plain"),
            WrongContentType("application/octet-stream"),
            WrongContentType(Json),
            WrongContentType("image/gif"),
            WrongContentType(null),
            [new("POST /interpolate (raw): PNG body", () => Post("/interpolate", Raw(Digits.Png(0), Png)), Answer.Problem(415, "multipart/form-data fields 'first' and 'second'"))],

            // /decode: JSON that is wrong in every way.
            Decode("latent of 0 numbers", Latent(0), Answer.Problem(400, "must have 20 numbers for model 'mnist', not 0")),
            Decode("latent of 19 numbers", Latent(19), Answer.Problem(400, "must have 20 numbers for model 'mnist', not 19")),
            Decode("latent of 21 numbers", Latent(21), Answer.Problem(400, "must have 20 numbers for model 'mnist', not 21")),
            Decode("latent of 10000 numbers", Latent(10_000), Answer.Problem(400, "must have 20 numbers for model 'mnist', not 10000")),
            Decode("latent of 300000 numbers (just under MaxJsonBodyBytes)", Latent(300_000), Answer.Problem(400, "not 300000")),
            Decode("NaN", LatentStartingWith("NaN"), Answer.Problem(400, "The JSON body is not valid")),
            Decode("\"NaN\" as a string", LatentStartingWith("\"NaN\""), Answer.Problem(400, "must hold finite numbers in float range; element 0 is \"NaN\"")),
            Decode("Infinity", LatentStartingWith("Infinity"), Answer.Problem(400, "The JSON body is not valid")),
            Decode("-Infinity", LatentStartingWith("-Infinity"), Answer.Problem(400, "The JSON body is not valid")),
            Decode("\"-Infinity\" as a string", LatentStartingWith("\"-Infinity\""), Answer.Problem(400, "must hold finite numbers in float range; element 0 is \"-Infinity\"")),
            Decode("1e39 (overflows float)", LatentStartingWith("1e39"), Answer.Problem(400, "must hold finite numbers in float range; element 0 is 1e39")),
            Decode("-1e39", LatentStartingWith("-1e39"), Answer.Problem(400, "must hold finite numbers in float range; element 0 is -1e39")),
            Decode("\"1e39\" as a string", LatentStartingWith("\"1e39\""), Answer.Problem(400, "must hold finite numbers in float range; element 0 is \"1e39\"")),
            Decode("a string in the latent", LatentStartingWith("\"zero\""), Answer.Problem(400, "element 0 is \"zero\"")),
            Decode("a nested array in the latent", LatentStartingWith("[1]"), Answer.Problem(400, "element 0 is [1]")),
            Decode("root is an array of numbers", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", Answer.Problem(400, "or an array of such arrays")),
            Decode("root is a string", "\"latent\"", Answer.Problem(400, "or an array of such arrays")),
            Decode("root is a number", "42", Answer.Problem(400, "or an array of such arrays")),
            Decode("root is null", "null", Answer.Problem(400, "must be a JSON object with a 'latent' array")),
            Decode("latent is null", "{\"latent\":null}", Answer.Problem(400, "must be a JSON object with a 'latent' array")),
            Decode("empty object", "{}", Answer.Problem(400, "must be a JSON object with a 'latent' array")),
            Decode("empty body", "", Answer.Problem(400, "The body is empty; send a JSON object with a 'latent' array")),
            Decode("unterminated JSON", "{\"latent\":[0,0", Answer.Problem(400, "The JSON body is not valid")),
            Decode("JSON with a comment", "/* hi */" + Latent(20), Answer.Problem(400, "The JSON body is not valid")),
            Decode("10000 levels of nesting", DeeplyNested(10_000), Answer.Problem(400, "The JSON body is not valid")),
            [new("POST /decode: invalid UTF-8", () => Post("/decode", Raw([.. "{\"latent\":[\""u8, 0xC3, 0x28, .. "\"]}"u8], Json)), Answer.Problem(400, "a string that is not valid UTF-8"))],
            Decode("10 MB of JSON", JsonOfSize(10_000_000), Answer.Problem(413, $"larger than the {limits.MaxJsonBodyBytes} bytes it may have")),
            [new("POST /decode: 10 MB of JSON, chunked", () => Post("/decode", Chunked(Encoding.UTF8.GetBytes(JsonOfSize(10_000_000)), Json)), Answer.Problem(413, $"larger than the {limits.MaxJsonBodyBytes} bytes it may have"))],
            Decode("the latent twice (last one wins)", "{\"latent\":[1]," + Latent(20)[1..], Answer.Ok()),
            Decode("unknown properties besides the latent", "{\"extra\":{\"deep\":[1,2,3]}," + Latent(20)[1..], Answer.Ok()),
            Decode("a UTF-8 byte order mark", "\uFEFF" + Latent(20), Answer.Ok()),
            DecodeContentType("text/plain"),
            DecodeContentType("image/png"),
            DecodeContentType("multipart/form-data; boundary=x"),
            DecodeContentType("application/x-www-form-urlencoded"),

            // Query strings: models that do not exist, or try to reach outside the models folder.
            Everywhere("model=nope", Answer.Problem(404, "There is no model 'nope'. Models: fashion, fashion-denoise, fashion-sneakers, fashion-vae, mnist, mnist-colour, mnist-conv, mnist-denoise, mnist-sevens, mnist-vae.")),
            Everywhere("model=MNIST", Answer.Problem(404, "There is no model 'MNIST'")),
            Everywhere("model=../../etc/passwd", Answer.Problem(404, "There is no model '../../etc/passwd'")),
            Everywhere("model=..%2F..%2Fetc%2Fpasswd", Answer.Problem(404, "There is no model '../../etc/passwd'")),
            Everywhere("model=mnist%00", Answer.Problem(404, "There is no model 'mnist\0'")),
            Everywhere("model=%00", Answer.Problem(404, "There is no model '\0'")),
            Everywhere("model=..%5C..%5Cwindows", Answer.Problem(404, "There is no model '..\\..\\windows'")),
            Everywhere("model=mnist&model=mnist", Answer.Problem(404, "There is no model 'mnist,mnist'")),
            Everywhere("model=" + new string('m', 4000), Answer.Problem(404, $"There is no model '{new string('m', 64)}…'. Models:"), name: "model=(4000 characters, its first 64 echoed)"),
            Everywhere("model=" + new string('m', 10_000), Answer.RefusedByKestrel(414), name: "model=(10000 characters, over Kestrel's request line limit)"),
            Everywhere("model=", Answer.Ok()),
            ModelsApi("..%2F..%2Fetc%2Fpasswd", Answer.Problem(404, "There is no model '..%2F..%2Fetc%2Fpasswd'")),
            ModelsApi("..%5C..%5Cwin.ini", Answer.Problem(404, "There is no model '..\\..\\win.ini'")),
            ModelsApi("%00", Answer.RefusedByKestrel(400)),
            ModelsApi(new string('m', 8000), Answer.Problem(404, $"There is no model '{new string('m', 64)}…'. Models:"), name: "(8000 characters, its first 64 echoed)"),
            [new("GET /(8000 characters)", () => new HttpRequestMessage(HttpMethod.Get, "/" + new string('p', 8000)), Answer.Problem(404, $"There is no endpoint at /{new string('p', 63)}…;"))],

            // The Open Inference Protocol: JSON in the wrong shape is answered in the protocol's terms, not .NET's.
            [new(
                "POST /v2/models/mnist-decoder/infer: nested arrays for inputs",
                () => Post("/v2/models/mnist-decoder/infer", JsonBody("{\"inputs\":[[1,2],[3,4]]}")),
                Answer.ProtocolError(400, "'inputs[0]' must be an input tensor, an object with 'name', 'shape', 'datatype' and 'data'"))],
            [new(
                $"POST /v2/models/(8000 characters)/infer",
                () => Post($"/v2/models/{new string('m', 8000)}/infer", JsonBody("{}")),
                Answer.ProtocolError(404, $"There is no model '{new string('m', 64)}…'."))],

            // preprocess must be auto or none; /decode takes no image, so it ignores it.
            Everywhere("preprocess=bogus", Answer.Problem(400, "'preprocess' must be 'auto' or 'none', not 'bogus'"), decode: Answer.Ok()),
            Everywhere("preprocess=%00", Answer.Problem(400, "'preprocess' must be 'auto' or 'none'"), decode: Answer.Ok()),
            Everywhere("preprocess=NONE", Answer.Ok()),
            Everywhere(
                "preprocess=" + new string('p', 4000),
                Answer.Problem(400, $"not '{new string('p', 64)}…'."),
                decode: Answer.Ok(),
                name: "preprocess=(4000 characters, its first 64 echoed)"),

            // steps: 1 to 64, whole numbers only.
            Steps("0"),
            Steps("-1"),
            Steps("65"),
            Steps("abc"),
            Steps("1e3"),
            Steps(""),
            Steps("2.5"),
            Steps("99999999999999999999"),
            Steps("6&steps=7"),
            Steps("1", Answer.Ok()),
            Steps("64", Answer.Ok()),
            Steps("%2064%20", Answer.Ok()),

            // /generate: count 1 to MaxBulkImages, a whole-number seed, a temperature from 0 to 10, all checked before the
            // model (and whether it has a latent prior to sample from); no body.
            Generate("count=0", $"'count' must be a whole number from 1 to {limits.MaxBulkImages}, not '0'"),
            Generate("count=-1", "'count' must be a whole number"),
            Generate($"count={limits.MaxBulkImages + 1}", $"'count' must be a whole number from 1 to {limits.MaxBulkImages}"),
            Generate("count=99999999999999999999", "'count' must be a whole number"),
            Generate("count=abc", "'count' must be a whole number"),
            Generate("count=1e3", "'count' must be a whole number"),
            Generate("count=", "'count' must be a whole number"),
            Generate("count=1&count=2", "not '1,2'"),
            Generate("seed=abc", "'seed' must be a whole number"),
            Generate("seed=1.5", "'seed' must be a whole number"),
            Generate("seed=99999999999", "'seed' must be a whole number"),
            Generate("seed=%00", "'seed' must be a whole number"),
            Generate("temperature=NaN", "'temperature' must be a number from 0 to 10, not 'NaN'"),
            Generate("temperature=Infinity", "'temperature' must be a number from 0 to 10"),
            Generate("temperature=-Infinity", "'temperature' must be a number from 0 to 10"),
            Generate("temperature=inf", "'temperature' must be a number from 0 to 10"),
            Generate("temperature=1e308", "'temperature' must be a number from 0 to 10"),
            Generate("temperature=-1", "'temperature' must be a number from 0 to 10, not '-1'"),
            Generate("temperature=abc", "'temperature' must be a number from 0 to 10, not 'abc'"),
            Generate("model=nope&count=1", "There is no model 'nope'", status: 404),
            [new("POST /generate: a JSON body", () => Post("/generate?count=1", JsonBody("{}")), Answer.Problem(413, "max request body size is 0 bytes"))],
            [new("GET /generate", () => new HttpRequestMessage(HttpMethod.Get, "/generate"), Answer.Problem(405, "/generate does not take GET"))],

            // Accept: odd values still get an answer; only Kestrel's header limit refuses.
            Accept("16 KB Accept of 1000 media types", string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"x/y{i};q=0.5"))),
            Accept("Accept of garbage", ";;;,,,/=/=\"", Answer.Ok()),
            Accept("Accept with a non-numeric q (taken as q=1)", "application/json;q=abc", Answer.Ok(Json)),
            Accept("Accept refusing JSON (q=0)", "application/json;q=0", Answer.Ok()),
            Accept("Accept of only text/html", "text/html", Answer.Ok()),
            Accept("Accept preferring JSON over */*", "*/*;q=0.1, application/json", Answer.Ok(Json)),
            Accept("40 KB Accept (over Kestrel's header limit)", new string('a', 40_000), Answer.RefusedByKestrel(431)),

            // Methods the endpoints do not take.
            Method(HttpMethod.Get),
            Method(HttpMethod.Put),
            Method(HttpMethod.Delete),
        ];
        return groups.SelectMany(group => group);
    }

    /// <summary>An image upload to every endpoint that takes one, as a raw body and as a form file.</summary>
    private static IEnumerable<HostileCase> Image(
        string input, Func<byte[]> bytes, Answer expected, string contentType = Png, string query = "", bool chunked = false, IEnumerable<ImageTarget>? targets = null) =>
        (targets ?? ImageTargets).Select(target => new HostileCase(
            $"{target.Label}: {input}",
            () =>
            {
                var content = target.Content(bytes(), contentType);
                return Post(WithQuery(target.Url, query), chunked ? Chunked(content) : content);
            },
            expected.OrElse(target.SuccessType)));

    /// <summary>A multipart form of files to every endpoint that takes one; <paramref name="parts"/> gets the image field's name.</summary>
    private static IEnumerable<HostileCase> FormOnly(string input, Func<string, (string Field, byte[] Bytes, string ContentType)[]> parts, Answer expected, bool chunked = false) =>
        FormTargets.Select(target => new HostileCase(
            $"{target.Label} (form): {input}",
            () =>
            {
                HttpContent content = Form([.. parts(target.Field), .. target.OtherParts()]);
                return Post(target.Url, chunked ? Chunked(content) : content);
            },
            expected));

    /// <summary>A body the endpoints take as a form (multipart or url-encoded) but built by hand; interpolate's 'second' cannot be added, so it misses one field or the other.</summary>
    private static IEnumerable<HostileCase> RawForm(string input, Func<string, HttpContent> content, Answer? expected = null) =>
        FormTargets.Select(target => new HostileCase(
            $"{target.Label} (form): {input}",
            () => Post(target.Url, content(target.Field)),
            expected ?? Answer.Problem(400, "Missing the image file in form field")));

    private static IEnumerable<HostileCase> WrongContentType(string? contentType) =>
        FormTargets.Select(target => new HostileCase(
            $"{target.Label} (raw): PNG body with Content-Type {contentType ?? "(none)"}",
            () =>
            {
                var content = new ByteArrayContent(Digits.Png(0));
                if (contentType is not null)
                {
                    content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                }

                return Post(target.Url, content);
            },
            Answer.Problem(415, $"(got '{contentType ?? "none"}')")));

    private static IEnumerable<HostileCase> Decode(string input, string json, Answer expected) =>
        [new($"POST /decode: {input}", () => Post("/decode", JsonBody(json)), expected.OrElse(Png))];

    private static IEnumerable<HostileCase> DecodeContentType(string contentType) =>
        [new(
            $"POST /decode: a latent with Content-Type {contentType}",
            () => Post("/decode", TypedBody(Latent(20), contentType)),
            Answer.Problem(415, $"/decode does not take Content-Type '{contentType}'"))];

    /// <summary>A valid request with <paramref name="query"/> to each inference endpoint.</summary>
    private static IEnumerable<HostileCase> Everywhere(string query, Answer expected, Answer? decode = null, string? name = null) =>
        Endpoints.Select(endpoint =>
        {
            var answer = endpoint.Path == "/decode" && decode is not null ? decode : expected;
            return new HostileCase(
                $"POST {endpoint.Path}: ?{name ?? query}",
                () => Post(WithQuery(WithQuery(endpoint.Path, endpoint.Query), query), endpoint.ValidBody()),
                answer.OrElse(endpoint.SuccessType));
        });

    private static IEnumerable<HostileCase> ModelsApi(string escapedName, Answer expected, string? name = null) =>
        [new($"GET /models/{name ?? escapedName}", () => new HttpRequestMessage(HttpMethod.Get, $"/models/{escapedName}"), expected)];

    private static IEnumerable<HostileCase> Steps(string steps, Answer? expected = null) =>
        [new(
            $"POST /interpolate: ?steps={steps}",
            () => Post($"/interpolate?steps={steps}", Endpoints[2].ValidBody()),
            expected?.OrElse(Png) ?? Answer.Problem(400, "'steps' must be a whole number from 1 to 64"))];

    /// <summary>A bodiless POST /generate with <paramref name="query"/>, answered with a problem (400 unless said otherwise).</summary>
    private static IEnumerable<HostileCase> Generate(string query, string detail, int status = 400) =>
        [new(
            $"POST /generate: ?{query}",
            () => new HttpRequestMessage(HttpMethod.Post, $"/generate?{query}"),
            Answer.Problem(status, detail))];

    /// <summary>A valid request with this Accept header to each inference endpoint; 200 in the endpoint's usual format unless said otherwise.</summary>
    private static IEnumerable<HostileCase> Accept(string input, string accept, Answer? expected = null) =>
        Endpoints.Select(endpoint => new HostileCase(
            $"POST {endpoint.Path}: {input}",
            () =>
            {
                var request = Post(WithQuery(endpoint.Path, endpoint.Query), endpoint.ValidBody());
                Assert.True(request.Headers.TryAddWithoutValidation("Accept", accept));
                return request;
            },
            (expected ?? Answer.Ok()).OrElse(endpoint.SuccessType)));

    private static IEnumerable<HostileCase> Method(HttpMethod method) =>
        Endpoints.Select(endpoint => new HostileCase(
            $"{method} {endpoint.Path}",
            () => new HttpRequestMessage(method, endpoint.Path),
            Answer.Problem(405, $"{endpoint.Path} does not take {method}")));

    /// <summary>
    /// With Expect: 100-continue, as curl sends for large bodies: HttpClient sends the whole body before it reads a
    /// response, so without it a server that refuses a body part-way (413) breaks the pipe before the answer is read.
    /// </summary>
    public static HttpRequestMessage Post(string url, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.ExpectContinue = true;
        return request;
    }

    private static string WithQuery(string url, string query) =>
        query.Length == 0 ? url : url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, Json);

    private static ByteArrayContent TypedBody(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static MultipartFormDataContent TextFields(params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    private static ChunkedContent Chunked(byte[] bytes, string contentType) => Chunked(Raw(bytes, contentType));

    private static ChunkedContent Chunked(HttpContent content) => new(content);

    private sealed record Endpoint(string Path, string Query, string SuccessType, Func<HttpContent> ValidBody);

    private sealed record ImageTarget(string Label, string Url, string SuccessType, Func<byte[], string, HttpContent> Content);

    private sealed record FormTarget(string Label, string Url, string Field, Func<(string Field, byte[] Bytes, string ContentType)[]> OtherParts);

    /// <summary>The same body without a Content-Length, so it goes out chunked and the server learns its size only by reading it.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent inner;

        public ChunkedContent(HttpContent inner)
        {
            this.inner = inner;
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
