using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

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
        var view = page.Locator("#slider-view");
        await Expect(view).ToHaveAttributeAsync("aria-busy", "false");
        var before = await page.GetAttributeAsync("#slider-view", "src");
        var decodedBefore = await DecodesAsync(page);
        var decodeRequests = RecordRequests(page, "/decode");

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
        await Expect(view).ToHaveAttributeAsync("aria-busy", "false");
        var decodes = await DecodesAsync(page) - decodedAfterEnd;
        Assert.InRange(decodes, 1, Presses);

        // The picture settles on the decoding of the slider's final value: the last request sent it, and shows its answer.
        var last = LastOf(decodeRequests);
        var sent = LatentOf(last);
        Assert.Equal(double.Parse(await slider.InputValueAsync(), CultureInfo.InvariantCulture), sent[0], 1e-6);
        Assert.Equal(await DecodeAsync(last.PostData!), await view.GetAttributeAsync("src"));
        output.WriteLine($"slider sweep: {Presses} moves in {swept.TotalMilliseconds:F0} ms gave {decodes} decodes ({decodes / swept.TotalSeconds:F0} a second); the rest were superseded before they were sent");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task ClickingOrDraggingOnTheMapDecodesMeanPlusXTimesC1PlusYTimesC2ForThatPoint()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        Assert.Contains("mnist t10k images", await page.TextContentAsync("#map-caption"), StringComparison.Ordinal);
        Assert.Equal(10, await page.Locator("#map-legend span").CountAsync());
        using var latentMap = JsonDocument.Parse(await server.Client.GetStringAsync("/models/mnist/latent-map"));
        await Expect(page.Locator("#slider-view")).ToHaveAttributeAsync("aria-busy", "false");
        var decodeRequests = RecordRequests(page, "/decode");

        var map = page.Locator("#map-canvas");
        var view = page.Locator("#map-view");
        await map.ClickAsync(new LocatorClickOptions { Position = new Position { X = 120, Y = 150 } });
        await Expect(view).ToHaveAttributeAsync("data-decodes", "1");
        var first = await view.GetAttributeAsync("src");
        await AssertTheMapShowsMeanPlusXTimesC1PlusYTimesC2Async(page, latentMap.RootElement, LastOf(decodeRequests));

        // Dragging decodes as it goes; the view settles on the point where the drag ended.
        var box = (await map.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 120, box.Y + 150);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + 300, box.Y + 280, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
        await Expect(view).ToHaveAttributeAsync("aria-busy", "false");
        Assert.True(int.Parse((await view.GetAttributeAsync("data-decodes"))!, CultureInfo.InvariantCulture) >= 2);
        Assert.NotEqual(first, await view.GetAttributeAsync("src"));
        await AssertTheMapShowsMeanPlusXTimesC1PlusYTimesC2Async(page, latentMap.RootElement, LastOf(decodeRequests));
        session.AssertNoProblems();
    }

    [Fact]
    public async Task TheLatentMapIsAnApplicationNamedLatentMapThatArrowKeysMove()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var map = page.GetByRole(AriaRole.Application, new PageGetByRoleOptions { Name = "Latent map" });
        await Expect(map).ToHaveAttributeAsync("aria-roledescription", "latent map");
        await Expect(map).ToHaveAccessibleDescriptionAsync(new Regex("mnist t10k images.*arrow keys move the point", RegexOptions.Singleline));

        await map.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("data-decodes", "1");
        var right = await page.TextContentAsync("#map-point");
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("data-decodes", "2");

        var (x1, y1) = Coordinates(right!);
        var (x2, y2) = Coordinates((await page.TextContentAsync("#map-point"))!);
        Assert.Equal(x1, x2, 1e-9);
        Assert.True(y2 > y1, $"ArrowUp moved the point from y = {y1} to {y2}");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task EachLatentSliderIsNamedByItsVisibleLabel()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        using var model = JsonDocument.Parse(await server.Client.GetStringAsync("/models/mnist"));
        var size = model.RootElement.GetProperty("latentSize").GetInt32();
        await Expect(page.GetByRole(AriaRole.Group, new PageGetByRoleOptions { Name = $"Latent vector: {size} numbers" })).ToBeVisibleAsync();

        await Expect(page.GetByRole(AriaRole.Slider)).ToHaveCountAsync(size + 3); // and the strip's steps, the noise level and the temperature
        for (var i = 0; i < size; i++)
        {
            var label = $"z{i + 1}";
            await Expect(page.Locator($"label[for='latent-{i}']")).ToHaveTextAsync(label);
            await Expect(page.GetByRole(AriaRole.Slider, new PageGetByRoleOptions { Name = label, Exact = true })).ToHaveIdAsync($"latent-{i}");
        }

        session.AssertNoProblems();
    }

    [Fact]
    public async Task ThePadDrawsFromTheKeyboardAndTheDrawingIsReconstructed()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var pad = page.GetByRole(AriaRole.Application, new PageGetByRoleOptions { Name = "Drawing pad" });
        await Expect(pad).ToHaveAccessibleDescriptionAsync(new Regex("arrow keys move the pad's cursor"));
        var status = page.Locator("#pad-status");

        // A "1": up from the middle with the pen lifted, then the pen down and a line straight down.
        await pad.FocusAsync();
        await PressAsync(page, "ArrowUp", 5);
        await Expect(page.Locator("#pad-cursor")).ToBeVisibleAsync();
        await Expect(status).ToHaveTextAsync(new Regex(@"^Cursor at 50% across, \d+% down\.$"));
        Assert.False(await HasInkAsync(page));
        await page.Keyboard.PressAsync("Space");
        await Expect(status).ToHaveTextAsync(new Regex("^Pen down at 50% across"));
        await PressAsync(page, "ArrowDown", 10);
        await Expect(status).ToHaveTextAsync(new Regex("^Drawing at 50% across"));
        await page.Keyboard.PressAsync("Space");
        await Expect(status).ToHaveTextAsync("Pen lifted.");

        var shown = page.Locator("#reconstruction-view[data-lift-to-shown-ms]");
        await shown.WaitForAsync();
        Assert.True(await HasInkAsync(page));
        var canvas = await page.EvalOnSelectorAsync<string>("#pad", "pad => pad.toDataURL('image/png')");
        var answer = await ReconstructAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), "drawing.png", "image/png");
        await Expect(shown).ToHaveAttributeAsync("src", PngPrefix + answer.GetProperty("image").GetString());

        // Delete clears the pad, and with it the reconstruction.
        await page.Keyboard.PressAsync("Delete");
        await Expect(status).ToHaveTextAsync("Pad cleared.");
        await Expect(page.Locator("#reconstruction-view:not([src])")).ToBeAttachedAsync();
        await Expect(page.Locator("#reconstruct-facts")).ToHaveTextAsync("Draw a stroke, or upload, drop or paste an image.");
        Assert.False(await HasInkAsync(page));
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AGarmentIsMarkedUnusualForTheDigitModelWithItsPercentileAndADigitIsNot()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        Assert.Equal("mnist", await page.InputValueAsync("#model"));
        var badge = page.Locator("#unusual");

        // The first of Fashion-MNIST's test images (from its map) that the service calls unusual for the digit model.
        using var garments = JsonDocument.Parse(await server.Client.GetStringAsync("/models/fashion/latent-map"));
        byte[]? garment = null;
        JsonElement garmentScore = default;
        foreach (var example in garments.RootElement.GetProperty("examples").EnumerateArray())
        {
            var image = Convert.FromBase64String(example.GetProperty("image").GetString()!);
            var score = await ScoreAsync(image, "mnist");
            if (score.GetProperty("unusual").GetBoolean())
            {
                (garment, garmentScore) = (image, score);
                break;
            }
        }

        Assert.NotNull(garment);
        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "garment.png", MimeType = "image/png", Buffer = garment });
        await Expect(badge).ToBeVisibleAsync();
        await Expect(badge).ToContainTextAsync("Unusual for this model: its error is higher than");
        var percentile = garmentScore.GetProperty("percentile").GetDouble();
        Assert.Equal(percentile, double.Parse((await badge.GetAttributeAsync("data-percentile"))!, CultureInfo.InvariantCulture), 1e-9);
        var multiple = (garmentScore.GetProperty("meanSquaredError").GetDouble() / garmentScore.GetProperty("threshold").GetDouble()).ToString("F1", CultureInfo.InvariantCulture);
        await Expect(badge).ToContainTextAsync($"{multiple}× the threshold");

        // A digit from MNIST's test set is usual: the badge goes.
        var digit = await File.ReadAllBytesAsync(Path.Combine(PlaygroundServer.RepositoryRoot, "samples", "digit-0-label-7.png"));
        Assert.False((await ScoreAsync(digit, "mnist")).GetProperty("unusual").GetBoolean());
        var reconstructed = await ReconstructAsync(digit, "digit.png", "image/png");
        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "digit.png", MimeType = "image/png", Buffer = digit });
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("src", PngPrefix + reconstructed.GetProperty("image").GetString());
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("aria-busy", "false"); // the verdict is in
        await Expect(badge).ToBeHiddenAsync();
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

            if (model.GetProperty("prior").ValueKind == JsonValueKind.Null)
            {
                Assert.Contains($"Model '{name}' has no latent prior", await page.TextContentAsync("#generate-caption"), StringComparison.Ordinal);
                await Expect(page.Locator("#generate-button")).ToBeDisabledAsync();
            }
            else
            {
                await Expect(page.Locator("#generate-button")).ToBeEnabledAsync();
            }

            await page.ClickAsync("#clear");
        }

        session.AssertNoProblems();
    }

    [Fact]
    public async Task GeneratingShowsAGridOfSamplesAndClickingOneLoadsItsCodeIntoTheSliders()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.SelectOptionAsync("#model", PlaygroundServer.ModelWithPrior);
        await Expect(page.Locator("#generate-caption")).ToContainTextAsync("gaussian-mixture: 2 Gaussians fitted to the browser tests' own numbers");
        await Expect(page.Locator("#slider-view")).ToHaveAttributeAsync("aria-busy", "false");

        await page.Locator("#temperature").FillAsync("0.5");
        await Expect(page.Locator("#temperature-value")).ToHaveTextAsync("0.50");
        var generated = page.WaitForResponseAsync(response => response.Url.Contains("/generate?", StringComparison.Ordinal));
        await page.ClickAsync("#generate-button");
        var response = await generated;
        Assert.Contains($"model={PlaygroundServer.ModelWithPrior}", response.Url, StringComparison.Ordinal);
        using var answer = JsonDocument.Parse(await response.TextAsync());
        var images = answer.RootElement.GetProperty("images").EnumerateArray().Select(image => PngPrefix + image.GetString()).ToArray();
        var latents = answer.RootElement.GetProperty("latents").EnumerateArray().Select(latent => latent.EnumerateArray().Select(value => value.GetDouble()).ToArray()).ToArray();
        Assert.Equal(0.5, answer.RootElement.GetProperty("temperature").GetDouble());

        // The grid shows the answer's images in order, and says which seed made them.
        await Expect(page.Locator("#samples")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#samples img")).ToHaveCountAsync(16);
        Assert.Equal(images, await page.Locator("#samples img").EvaluateAllAsync<string[]>("images => images.map(image => image.getAttribute('src'))"));
        await Expect(page.Locator("#generate-facts")).ToHaveTextAsync($"seed {answer.RootElement.GetProperty("seed").GetInt32()}, temperature 0.5");

        // A click on a sample sets the sliders to its code, and the sliders' view shows that code decoded.
        var decodedBefore = await DecodesAsync(page);
        var decodeRequests = RecordRequests(page, "/decode");
        await page.Locator("#samples button").Nth(3).ClickAsync();
        await page.WaitForFunctionAsync("count => Number(document.getElementById('slider-view').dataset.decodes ?? 0) > count", decodedBefore);
        await Expect(page.Locator("#slider-view")).ToHaveAttributeAsync("aria-busy", "false");
        var sliders = await page.Locator("#latent-sliders input").EvaluateAllAsync<double[]>("inputs => inputs.map(input => Number(input.value))");
        Assert.Equal(latents[3].Length, sliders.Length);
        Assert.All(latents[3].Zip(sliders), pair => Assert.Equal(pair.First, pair.Second, 0.01));
        var last = LastOf(decodeRequests);
        Assert.All(latents[3].Zip(LatentOf(last)), pair => Assert.Equal(pair.First, pair.Second, 1e-6));
        Assert.Contains($"model={PlaygroundServer.ModelWithPrior}", last.Url, StringComparison.Ordinal);
        Assert.Equal(await DecodeAsync(last.PostData!, new Uri(last.Url).PathAndQuery), await page.GetAttributeAsync("#slider-view", "src"));
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AModelWithoutAPriorSaysSoAndCannotGenerate()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;

        await page.SelectOptionAsync("#model", PlaygroundServer.ModelWithoutMap);

        await Expect(page.Locator("#generate-caption")).ToContainTextAsync($"Model '{PlaygroundServer.ModelWithoutMap}' has no latent prior to sample from; `autoencoder-train fit-prior --model DIR --data DIR`");
        await Expect(page.Locator("#generate-button")).ToBeDisabledAsync();
        await Expect(page.Locator("#samples li")).ToHaveCountAsync(0);
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

    [Fact]
    public async Task GaussianNoiseAtHalfOnATestDigitIsShownCleanNoisyAndDenoisedWithTheServicesPsnrs()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var denoiseRequests = RecordRequests(page, "/denoise");
        var views = page.Locator("#denoise-views");

        await page.SelectOptionAsync("#denoise-source", "0");
        await page.SelectOptionAsync("#noise-kind", "gaussian");
        await page.Locator("#noise-level").FillAsync("0.5");
        await Expect(page.Locator("#noise-level-value")).ToHaveTextAsync("0.50");
        await Expect(views).ToHaveAttributeAsync("aria-busy", "false");

        // Three decoded pictures, each in the model's size, and two PSNRs, the denoised one higher.
        var sizes = await page.Locator("#denoise-views img").EvaluateAllAsync<int[]>("images => images.map(image => image.complete ? image.naturalWidth : 0)");
        Assert.Equal([28, 28, 28], sizes);
        var noisy = Psnr(await page.TextContentAsync("#noisy-psnr"));
        var denoised = Psnr(await page.TextContentAsync("#denoised-psnr"));
        Assert.True(denoised > noisy, $"denoised {denoised} dB is not above noisy {noisy} dB");
        await Expect(page.Locator("#noisy-view")).ToHaveAttributeAsync("alt", "The image with gaussian noise at level 0.5 added");

        // The page asked the data set's denoiser for the chosen noise: the same request sent directly gives what it shows.
        var request = new Uri(LastOf(denoiseRequests).Url);
        var query = System.Web.HttpUtility.ParseQueryString(request.Query);
        Assert.Equal("mnist-denoise", query["model"]);
        Assert.Equal("gaussian:0.5", query["noise"]);
        var seed = int.Parse(query["seed"]!, CultureInfo.InvariantCulture);
        using var latentMap = JsonDocument.Parse(await server.Client.GetStringAsync("/models/mnist/latent-map"));
        var digit = Convert.FromBase64String(latentMap.RootElement.GetProperty("examples")[0].GetProperty("image").GetString()!);
        var answer = await DenoiseAsync(digit, "mnist-denoise", "gaussian:0.5", seed);
        Assert.Equal(PsnrText(answer.GetProperty("noisyPsnr").GetDouble()), await page.TextContentAsync("#noisy-psnr"));
        Assert.Equal(PsnrText(answer.GetProperty("denoisedPsnr").GetDouble()), await page.TextContentAsync("#denoised-psnr"));
        Assert.Equal(PngPrefix + answer.GetProperty("input").GetString(), await page.GetAttributeAsync("#clean-view", "src"));
        Assert.Equal(PngPrefix + answer.GetProperty("noisy").GetString(), await page.GetAttributeAsync("#noisy-view", "src"));
        Assert.Equal(PngPrefix + answer.GetProperty("image").GetString(), await page.GetAttributeAsync("#denoised-view", "src"));
        await Expect(page.Locator("#denoise-facts")).ToContainTextAsync($"seed {seed}");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task ALevelOrNewNoiseChangesTheNoisyImageAndARisingLevelLowersItsPsnr()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var denoiseRequests = RecordRequests(page, "/denoise");
        var views = page.Locator("#denoise-views");
        await page.SelectOptionAsync("#noise-kind", "salt-pepper");
        await Expect(page.Locator("#noise-level")).ToHaveAttributeAsync("max", "0.3"); // the denoiser's trained range

        async Task<(string? Image, double Psnr, string Url)> ShownAsync()
        {
            await Expect(views).ToHaveAttributeAsync("aria-busy", "false");
            return (await page.GetAttributeAsync("#noisy-view", "src"), Psnr(await page.TextContentAsync("#noisy-psnr")), LastOf(denoiseRequests).Url);
        }

        await page.Locator("#noise-level").FillAsync("0.1");
        var light = await ShownAsync();
        await page.Locator("#noise-level").FillAsync("0.25");
        await Expect(page.Locator("#noise-level-value")).ToHaveTextAsync("0.25");
        var heavy = await ShownAsync();

        Assert.Contains("noise=salt-pepper%3A0.1&", light.Url, StringComparison.Ordinal);
        Assert.Contains("noise=salt-pepper%3A0.25&", heavy.Url, StringComparison.Ordinal);
        Assert.NotEqual(light.Image, heavy.Image);
        Assert.True(heavy.Psnr < light.Psnr, $"level 0.25 gave {heavy.Psnr} dB, level 0.1 {light.Psnr} dB");

        // New noise: the same kind and level with another seed.
        await page.ClickAsync("#new-noise");
        var renewed = await ShownAsync();
        Assert.Contains("noise=salt-pepper%3A0.25&", renewed.Url, StringComparison.Ordinal);
        Assert.NotEqual(SeedOf(heavy.Url), SeedOf(renewed.Url));
        Assert.NotEqual(heavy.Image, renewed.Image);
        session.AssertNoProblems();
    }

    [Fact]
    public async Task TheDrawingIsDenoisedWhenChosenAndFollowedAsItChanges()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var denoiseRequests = RecordRequests(page, "/denoise");
        var views = page.Locator("#denoise-views");
        await page.SelectOptionAsync("#denoise-source", "drawing");
        await Expect(views).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#denoise-facts")).ToHaveTextAsync("Draw or upload an image in the first panel, or choose a test image.");
        Assert.Null(await page.GetAttributeAsync("#noisy-view", "src"));

        await DrawSevenAsync(page);
        await Expect(views).ToHaveAttributeAsync("aria-busy", "false");
        var canvas = await page.EvalOnSelectorAsync<string>("#pad", "pad => pad.toDataURL('image/png')");
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(LastOf(denoiseRequests).Url).Query);
        var answer = await DenoiseAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), query["model"]!, query["noise"]!, int.Parse(query["seed"]!, CultureInfo.InvariantCulture));
        Assert.Equal(PngPrefix + answer.GetProperty("image").GetString(), await page.GetAttributeAsync("#denoised-view", "src"));
        session.AssertNoProblems();
    }

    [Fact]
    public async Task WithoutADenoiserForTheDataSetThePanelSaysSoAndAsksNothing()
    {
        // The service's own model list, less its denoisers.
        await using var session = await PageSession.OpenAsync(server, beforeLoad: page => page.RouteAsync(
            url => new Uri(url).AbsolutePath == "/models",
            async route =>
            {
                var response = await route.FetchAsync();
                var models = JsonNode.Parse(await response.TextAsync())!.AsArray();
                var plain = new JsonArray([.. models.Where(model => model!["noise"] is null).Select(model => model!.DeepClone())]);
                await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = plain.ToJsonString() });
            }));
        var page = session.Page;
        var denoiseRequests = RecordRequests(page, "/denoise");

        await Expect(page.Locator("#denoise-caption")).ToHaveTextAsync(new Regex("^No denoiser for the mnist data set is loaded"));
        await Expect(page.Locator("#noise-level")).ToBeDisabledAsync();
        await Expect(page.Locator("#new-noise")).ToBeDisabledAsync();
        await DrawSevenAsync(page);
        await page.Locator("#reconstruction-view[data-lift-to-shown-ms]").WaitForAsync();
        await Expect(page.Locator("#denoise-views")).ToHaveAttributeAsync("aria-busy", "false");
        Assert.Null(await page.GetAttributeAsync("#denoised-view", "src"));
        Assert.Empty(denoiseRequests);
        await Expect(page.Locator("#denoise-error")).ToBeHiddenAsync();
        session.AssertNoProblems();
    }

    /// <summary>The page after a drawn digit, a map click, a strip and a denoised test digit, for the README (AUTOENCODER_PAGE_SCREENSHOT says where).</summary>
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
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#denoise-views")).ToHaveAttributeAsync("aria-busy", "false");

        // Every picture the page shows has arrived and decoded, and the map has drawn its points.
        var missing = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#input-view, #reconstruction-view, #slider-view, #map-view, .slot img, #strip img, #denoise-views img')]
              .filter(image => !(image.complete && image.naturalWidth > 0 && image.naturalHeight > 0))
              .map(image => image.id || image.alt)
            """);
        Assert.Empty(missing);
        Assert.True(await page.EvaluateAsync<bool>("""
            () => {
              const canvas = document.getElementById('map-canvas');
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              return pixels.some((value, i) => i % 4 === 0 && value < 200);
            }
            """), "the latent map drew no points");

        var path = Environment.GetEnvironmentVariable("AUTOENCODER_PAGE_SCREENSHOT") ?? Path.Combine(AppContext.BaseDirectory, "page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });

        // The file is a PNG of the whole page at the viewport's width, and where the reconstruction is, it shows one.
        var pageHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        var box = await page.EvaluateAsync<double[]>("""
            () => {
              const box = document.getElementById('reconstruction-view').getBoundingClientRect();
              return [box.left + scrollX, box.top + scrollY, box.width, box.height];
            }
            """);
        using var screenshot = await Image.LoadAsync<L8>(path);
        Assert.Equal((1280, pageHeight), (screenshot.Width, screenshot.Height));
        var shades = new HashSet<byte>();
        for (var y = (int)box[1] + 2; y < (int)(box[1] + box[3]) - 2; y++)
        {
            for (var x = (int)box[0] + 2; x < (int)(box[0] + box[2]) - 2; x++)
            {
                shades.Add(screenshot[x, y].PackedValue);
            }
        }

        Assert.True(shades.Count > 16, $"the screenshot's reconstruction has {shades.Count} shades of gray");
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

    private static async Task PressAsync(IPage page, string key, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await page.Keyboard.PressAsync(key);
        }
    }

    private static Task<bool> HasInkAsync(IPage page) => page.EvalOnSelectorAsync<bool>("#pad", """
        pad => {
          const pixels = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
          return pixels.some((value, i) => i % 4 === 0 && value < 250);
        }
        """);

    /// <summary>Every request the page sends to a path from now on, in order.</summary>
    private static List<IRequest> RecordRequests(IPage page, string path)
    {
        var requests = new List<IRequest>();
        page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath == path)
            {
                lock (requests)
                {
                    requests.Add(request);
                }
            }
        };
        return requests;
    }

    private static IRequest LastOf(List<IRequest> requests)
    {
        lock (requests)
        {
            Assert.NotEmpty(requests);
            return requests[^1];
        }
    }

    private static double[] LatentOf(IRequest decode)
    {
        using var body = JsonDocument.Parse(decode.PostData!);
        return [.. body.RootElement.GetProperty("latent").EnumerateArray().Select(value => value.GetDouble())];
    }

    private static (double X, double Y) Coordinates(string shown)
    {
        var parts = shown.Trim('(', ')').Split(", ").Select(value => double.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, parts.Length);
        return (parts[0], parts[1]);
    }

    /// <summary>
    /// The map view shows the decoding of mean + x * c1 + y * c2 (from the map's JSON) for the point (x, y) the page
    /// names: the latent the page sent lies on that plane at that point, and the picture is the service's decoding of it.
    /// </summary>
    private async Task AssertTheMapShowsMeanPlusXTimesC1PlusYTimesC2Async(IPage page, JsonElement map, IRequest decode)
    {
        static double[] Numbers(JsonElement array) => [.. array.EnumerateArray().Select(value => value.GetDouble())];
        static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();
        var mean = Numbers(map.GetProperty("mean"));
        var components = map.GetProperty("components").EnumerateArray().Select(Numbers).ToArray();
        var (c1, c2) = (components[0], components[1]);
        var latent = LatentOf(decode);
        Assert.Equal(mean.Length, latent.Length);

        // The (x, y) whose mean + x * c1 + y * c2 is nearest the latent sent: least squares, by the 2x2 normal equations.
        var offset = latent.Zip(mean, (l, m) => l - m).ToArray();
        var (a11, a12, a22) = (Dot(c1, c1), Dot(c1, c2), Dot(c2, c2));
        var (b1, b2) = (Dot(c1, offset), Dot(c2, offset));
        var determinant = (a11 * a22) - (a12 * a12);
        var x = ((a22 * b1) - (a12 * b2)) / determinant;
        var y = ((a11 * b2) - (a12 * b1)) / determinant;
        for (var i = 0; i < latent.Length; i++)
        {
            Assert.Equal(mean[i] + (x * c1[i]) + (y * c2[i]), latent[i], 1e-4);
        }

        var (shownX, shownY) = Coordinates((await page.TextContentAsync("#map-point"))!);
        Assert.Equal(shownX, x, 0.0051); // the page shows two decimals
        Assert.Equal(shownY, y, 0.0051);
        Assert.Equal(await DecodeAsync(decode.PostData!), await page.GetAttributeAsync("#map-view", "src"));
    }

    /// <summary>The service's PNG for a /decode request body, as the data: URL the page shows.</summary>
    private async Task<string> DecodeAsync(string body, string url = "/decode")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("image/png");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return PngPrefix + Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync());
    }

    private static string PsnrText(double psnr) => string.Create(CultureInfo.InvariantCulture, $"(PSNR {psnr:F2} dB)");

    private static double Psnr(string? shown)
    {
        var match = Regex.Match(shown ?? string.Empty, @"^\(PSNR (-?[0-9.]+) dB\)$");
        Assert.True(match.Success, $"'{shown}' is not a PSNR");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string? SeedOf(string url) => System.Web.HttpUtility.ParseQueryString(new Uri(url).Query)["seed"];

    private async Task<JsonElement> DenoiseAsync(byte[] image, string model, string noise, int seed)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "image.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/denoise?model={Uri.EscapeDataString(model)}&noise={Uri.EscapeDataString(noise)}&seed={seed}") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<JsonElement> ScoreAsync(byte[] image, string model)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "image.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/score?model={model}") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
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
