using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Autoencoder.Browser.Tests;

/// <summary>The page at / driven in Chromium against the real service: what a person does with it, and what they see.</summary>
public sealed class PlaygroundPageTests(PlaygroundServer server, ITestOutputHelper output) : IClassFixture<PlaygroundServer>
{
    private const string PngPrefix = "data:image/png;base64,";

    [Fact]
    public async Task AStrokeDrawnWithTheMouseShowsTheServicesReconstructionOfThatCanvas()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;

        await DrawSevenAsync(page);
        var shown = page.Locator("#reconstruction-view[data-lift-to-shown-ms]");
        await shown.WaitForAsync();

        // The same canvas image, sent by the test itself, gets the same answer the page shows.
        var canvas = await page.EvalOnSelectorAsync<string>("#pad", "pad => pad.toDataURL('image/png')");
        var answer = await ReconstructAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), "drawing.png", "image/png");
        Assert.Equal(PngPrefix + answer.GetProperty("image").GetString(), await shown.GetAttributeAsync("src"));
        Assert.Equal(PngPrefix + answer.GetProperty("input").GetString(), await page.GetAttributeAsync("#input-view", "src"));
        var mse = answer.GetProperty("meanSquaredError").GetDouble().ToString("F4", CultureInfo.InvariantCulture);
        Assert.Contains($"mean squared error {mse}", await page.TextContentAsync("#reconstruct-facts"), StringComparison.Ordinal);

        // The sliders now hold the drawing's latent.
        var latent = answer.GetProperty("latent").EnumerateArray().Select(value => value.GetDouble()).ToArray();
        var sliders = await page.Locator("#latent-sliders input").EvaluateAllAsync<double[]>("inputs => inputs.map(input => Number(input.value))");
        Assert.Equal(latent.Length, sliders.Length);
        Assert.All(latent.Zip(sliders), pair => Assert.Equal(pair.First, pair.Second, 0.01));

        output.WriteLine($"stroke to reconstruction: shown {await shown.GetAttributeAsync("data-lift-to-shown-ms")} ms after the mouse button was released");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task MovingASliderDecodesAndChangesThePicture()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await DrawSevenAsync(page);
        await page.Locator("#reconstruction-view[data-lift-to-shown-ms]").WaitForAsync();
        var before = await page.GetAttributeAsync("#slider-view", "src");
        var decodedBefore = await DecodesAsync(page);

        var slider = page.Locator("#latent-0");
        await slider.FocusAsync();
        await page.Keyboard.PressAsync("End");
        await page.WaitForFunctionAsync("count => Number(document.getElementById('slider-view').dataset.decodes ?? 0) > count", decodedBefore);

        Assert.NotEqual(before, await page.GetAttributeAsync("#slider-view", "src"));
        var decodedAfterEnd = await DecodesAsync(page);
        Assert.Equal(await slider.GetAttributeAsync("max"), await slider.InputValueAsync());

        // A fast sweep: every key press asks for a decode, but only the latest waits while one runs.
        const int Presses = 120;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < Presses; i++)
        {
            await page.Keyboard.PressAsync("ArrowLeft");
        }

        var swept = stopwatch.Elapsed;
        await page.WaitForTimeoutAsync(300); // the last decode lands
        var decodes = await DecodesAsync(page) - decodedAfterEnd;
        Assert.InRange(decodes, 1, Presses);
        output.WriteLine($"slider sweep: {Presses} moves in {swept.TotalMilliseconds:F0} ms gave {decodes} decodes ({decodes / swept.TotalSeconds:F0} a second); the rest were superseded before they were sent");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task ClickingTheMapDecodesThatPointAndTheDrawingIsMarked()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        Assert.Contains("mnist t10k images", await page.TextContentAsync("#map-caption"), StringComparison.Ordinal);
        Assert.Equal(10, await page.Locator("#map-legend span").CountAsync());

        var map = page.Locator("#map-canvas");
        await map.ClickAsync(new LocatorClickOptions { Position = new Position { X = 120, Y = 150 } });
        await page.Locator("#map-view[data-decodes='1']").WaitForAsync();
        var first = await page.GetAttributeAsync("#map-view", "src");

        // Dragging decodes as it goes.
        var box = (await map.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 120, box.Y + 150);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + 300, box.Y + 280, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("() => Number(document.getElementById('map-view').dataset.decodes) >= 2");
        await page.WaitForTimeoutAsync(200);
        Assert.NotEqual(first, await page.GetAttributeAsync("#map-view", "src"));

        // The point shown is the decoding of mean + x * c1 + y * c2 for the coordinates the page names.
        var coordinates = (await page.TextContentAsync("#map-point"))!.Trim('(', ')').Split(", ").Select(value => double.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, coordinates.Length);
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AnInterpolationStripWithSixStepsHasEightFramesWithTheirWeights()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.Locator("#slot-second img[src]").WaitForAsync();

        await page.Locator("#steps").FillAsync("6");
        await page.ClickAsync("#build-strip");
        var frames = page.Locator("#strip li");
        await frames.Nth(7).WaitForAsync();

        Assert.Equal(8, await frames.CountAsync());
        Assert.Equal(
            ["w = 0", "w = 0.143", "w = 0.286", "w = 0.429", "w = 0.571", "w = 0.714", "w = 0.857", "w = 1"],
            await page.Locator("#strip li span").AllTextContentsAsync());
        Assert.All(await page.Locator("#strip img").EvaluateAllAsync<bool[]>("images => images.map(image => image.complete && image.naturalWidth === 28)"), Assert.True);
        session.AssertNoProblems();
    }

    [Fact]
    public async Task SwitchingModelsAdaptsSlidersAndMapAndUsesTheChosenModel()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        using var models = JsonDocument.Parse(await server.Client.GetStringAsync("/models"));
        Assert.Equal(
            models.RootElement.EnumerateArray().Select(model => model.GetProperty("name").GetString()),
            await page.Locator("#model option").AllTextContentsAsync());

        foreach (var model in models.RootElement.EnumerateArray().Where(model => !model.GetProperty("isDefault").GetBoolean()))
        {
            var name = model.GetProperty("name").GetString()!;
            await page.SelectOptionAsync("#model", name);
            await page.WaitForFunctionAsync($"() => document.getElementById('model-facts').textContent.length > 0");

            var request = page.WaitForRequestAsync(candidate => candidate.Url.Contains("/reconstruct?model=" + Uri.EscapeDataString(name), StringComparison.Ordinal));
            await DrawSevenAsync(page);
            await request;

            Assert.Equal(model.GetProperty("latentSize").GetInt32(), await page.Locator("#latent-sliders input").CountAsync());
            var image = model.GetProperty("image");
            Assert.Contains($"{image.GetProperty("width").GetInt32()}×{image.GetProperty("height").GetInt32()} images", await page.TextContentAsync("#model-facts"), StringComparison.Ordinal);
            if (!model.GetProperty("hasLatentMap").GetBoolean())
            {
                Assert.Contains($"Model '{name}' has no latent map", await page.TextContentAsync("#map-caption"), StringComparison.Ordinal);
            }

            await page.ClickAsync("#clear");
        }

        session.AssertNoProblems();
    }

    [Fact]
    public async Task AnUploadedPhotoIsReconstructedAsTheServiceReconstructsThatFile()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var photo = Path.Combine(PlaygroundServer.RepositoryRoot, "samples", "digit-0-photo.jpg");

        await page.SetInputFilesAsync("#upload", photo);
        await page.Locator("#reconstruction-view[src]").WaitForAsync();

        var answer = await ReconstructAsync(await File.ReadAllBytesAsync(photo), "digit-0-photo.jpg", "image/jpeg");
        await page.WaitForFunctionAsync(
            "expected => document.getElementById('reconstruction-view').getAttribute('src') === expected",
            PngPrefix + answer.GetProperty("image").GetString());
        Assert.Equal(PngPrefix + answer.GetProperty("input").GetString(), await page.GetAttributeAsync("#input-view", "src"));
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AnUnsupportedFileShowsTheProblemDetailInsteadOfABrokenImage()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var gif = "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;"u8.ToArray();
        using var direct = new MultipartFormDataContent { { new ByteArrayContent(gif) { Headers = { ContentType = new MediaTypeHeaderValue("image/gif") } }, "image", "dot.gif" } };
        using var refused = await server.Client.PostAsync("/reconstruct", direct);
        Assert.Equal(415, (int)refused.StatusCode);
        var detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();

        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "dot.gif", MimeType = "image/gif", Buffer = gif });
        var error = page.Locator("#reconstruct-error");
        await error.WaitForAsync();

        Assert.Equal(detail, await error.TextContentAsync());
        Assert.Null(await page.GetAttributeAsync("#reconstruction-view", "src"));
        Assert.Contains(session.Problems, problem => problem.StartsWith("response 415: POST", StringComparison.Ordinal));
        session.AssertNoProblems("415");
    }

    [Fact]
    public async Task EveryControlHasALabelAndThePageFitsAPhone()
    {
        await using var session = await PageSession.OpenAsync(server, width: 375, height: 812);
        var page = session.Page;

        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('input, select, button, canvas[tabindex]')]
              .filter(control => !(control.labels?.length || control.getAttribute('aria-label') || control.textContent.trim()))
              .map(control => control.outerHTML)
            """);
        Assert.Empty(unlabelled);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "page-375.png"), FullPage = true });
        var overflowing = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
              .filter(element => element.getBoundingClientRect().right > 375.5)
              .map(element => `${element.tagName.toLowerCase()}#${element.id}.${element.className} ends at ${element.getBoundingClientRect().right}`)
            """);
        Assert.Empty(overflowing);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 375"), "the page scrolls sideways at 375 px");
        session.AssertNoProblems();
    }

    /// <summary>The page after a drawn digit, a map click and a strip, for the README (AUTOENCODER_PAGE_SCREENSHOT says where).</summary>
    [Fact]
    public async Task AScreenshotOfThePageInUse()
    {
        await using var session = await PageSession.OpenAsync(server, width: 1280, height: 1000);
        var page = session.Page;
        await DrawSevenAsync(page);
        await page.Locator("#reconstruction-view[data-lift-to-shown-ms]").WaitForAsync();
        await page.Locator("#map-canvas").ClickAsync(new LocatorClickOptions { Position = new Position { X = 250, Y = 120 } });
        await page.Locator("#map-view[data-decodes='1']").WaitForAsync();
        await page.Locator("#slot-second img[src]").WaitForAsync();
        await page.ClickAsync("#build-strip");
        await page.Locator("#strip li").Nth(7).WaitForAsync();

        var path = Environment.GetEnvironmentVariable("AUTOENCODER_PAGE_SCREENSHOT") ?? Path.Combine(AppContext.BaseDirectory, "page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });

        Assert.True(new FileInfo(path).Length > 10_000);
        output.WriteLine($"screenshot: {path}");
        session.AssertNoProblems();
    }

    /// <summary>A "7" drawn with the mouse: a bar, then a diagonal down to the left.</summary>
    private static async Task DrawSevenAsync(IPage page)
    {
        var box = (await page.Locator("#pad").BoundingBoxAsync())!;
        (float X, float Y) At(float u, float v) => (box.X + (u * box.Width), box.Y + (v * box.Height));
        var start = At(0.3f, 0.25f);
        await page.Mouse.MoveAsync(start.X, start.Y);
        await page.Mouse.DownAsync();
        foreach (var (u, v) in new[] { (0.7f, 0.25f), (0.45f, 0.8f) })
        {
            var point = At(u, v);
            await page.Mouse.MoveAsync(point.X, point.Y, new MouseMoveOptions { Steps = 12 });
        }

        await page.Mouse.UpAsync();
    }

    private static async Task<int> DecodesAsync(IPage page) =>
        int.Parse(await page.GetAttributeAsync("#slider-view", "data-decodes") ?? "0", CultureInfo.InvariantCulture);

    private async Task<JsonElement> ReconstructAsync(byte[] image, string fileName, string contentType)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } }, "image", fileName } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reconstruct") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
