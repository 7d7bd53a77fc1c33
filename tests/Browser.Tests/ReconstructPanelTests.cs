using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The Reconstruct panel: drawing on the pad (by mouse or keyboard), uploading, and what the page shows of the service's answers.</summary>
[Collection(SharedPlayground.Name)]
public sealed class ReconstructPanelTests(PlaygroundServer server, ITestOutputHelper output)
{
    /// <summary>The bundled one-class model: trained on MNIST's sevens alone.</summary>
    private const string OneClassModel = "mnist-sevens";

    [Fact]
    public async Task AStrokeDrawnWithTheMouseShowsTheServicesReconstructionOfThatCanvas()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;

        await DrawSevenAsync(page);
        var (shown, answer) = await ShowsTheReconstructionOfTheFinishedCanvasAsync(page);

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
    public async Task ADraftOfTheStrokeWhosePngIsReadyOnlyAfterThePenLiftsIsNotTakenForTheFinishedDrawing()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        // Every PNG the page makes is handed over half a second late: the draft taken during the stroke is still being
        // made when the pen lifts.
        await page.EvaluateAsync("""
            () => {
              const toBlob = HTMLCanvasElement.prototype.toBlob;
              HTMLCanvasElement.prototype.toBlob = function (callback, ...rest) {
                toBlob.call(this, blob => setTimeout(() => callback(blob), 500), ...rest);
              };
            }
            """);
        var reconstructions = RecordRequests(page, "/reconstruct");

        await DrawSevenAsync(page);
        await ShowsTheReconstructionOfTheFinishedCanvasAsync(page);

        // The finished canvas's reconstruction is shown, though a draft went before it.
        Assert.True(reconstructions.Count >= 2, $"{reconstructions.Count} reconstruction(s) asked for: the stroke sent no draft, so no draft could be mistaken");
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
        var answer = await server.ReconstructAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), "drawing.png", "image/png");
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
            var score = await server.ScoreAsync(image, "mnist");
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
        Assert.False((await server.ScoreAsync(digit, "mnist")).GetProperty("unusual").GetBoolean());
        var reconstructed = await server.ReconstructAsync(digit, "digit.png", "image/png");
        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "digit.png", MimeType = "image/png", Buffer = digit });
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("src", PngPrefix + reconstructed.GetProperty("image").GetString());
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("aria-busy", "false"); // the verdict is in
        await Expect(badge).ToBeHiddenAsync();
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AOneClassModelCallsItsOwnClassNormalAndAnotherDigitAnAnomalyWithTheServicesScores()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.SelectOptionAsync("#model", OneClassModel);
        var badge = page.Locator("#unusual");

        // The model was trained on sevens alone: a seven from MNIST's test set is normal, a two is not.
        foreach (var (file, anomaly, verdict) in new[] { ("digit-0-label-7.png", false, "Normal for this model"), ("digit-1-label-2.png", true, "An anomaly for this model") })
        {
            var image = await File.ReadAllBytesAsync(Path.Combine(PlaygroundServer.RepositoryRoot, "samples", file));
            var novelty = (await server.ScoreAsync(image, OneClassModel)).GetProperty("novelty");
            Assert.Equal(anomaly, novelty.GetProperty("isAnomaly").GetBoolean());
            var score = novelty.GetProperty("score").GetDouble().ToString("F2", CultureInfo.InvariantCulture);
            var threshold = novelty.GetProperty("threshold").GetDouble().ToString("F2", CultureInfo.InvariantCulture);

            await page.SetInputFilesAsync("#upload", new FilePayload { Name = file, MimeType = "image/png", Buffer = image });
            await Expect(badge).ToHaveAttributeAsync("data-anomaly", anomaly ? "true" : "false");
            await Expect(badge).ToBeVisibleAsync();
            await Expect(badge).ToContainTextAsync($"{verdict}: novelty score {score} (threshold {threshold})");
            foreach (var term in novelty.GetProperty("components").EnumerateArray().Where(term => term.GetProperty("weight").GetDouble() > 0))
            {
                await Expect(badge).ToContainTextAsync($"{term.GetProperty("name").GetString()} {term.GetProperty("normalised").GetDouble().ToString("F1", CultureInfo.InvariantCulture)}");
            }

            // Beside the verdict, the service's heat map of the same image.
            var heatMap = await server.HeatMapAsync(image, OneClassModel);
            await Expect(page.Locator("#heat-map-view")).ToHaveAttributeAsync("src", PngPrefix + Convert.ToBase64String(heatMap));
            await Expect(page.Locator("#heat-map-figure")).ToBeVisibleAsync();
        }

        // A model without a scorer shows no heat map.
        await page.SelectOptionAsync("#model", "mnist");
        var seven = await File.ReadAllBytesAsync(Path.Combine(PlaygroundServer.RepositoryRoot, "samples", "digit-0-label-7.png"));
        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "seven.png", MimeType = "image/png", Buffer = seven });
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#heat-map-figure")).ToBeHiddenAsync();

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

        var answer = await server.ReconstructAsync(await File.ReadAllBytesAsync(photo), "digit-0-photo.jpg", "image/jpeg");
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

    /// <summary>
    /// Waits for the reconstruction the page shows as the finished drawing's, and asserts it is the service's answer for
    /// the canvas as it is now, sent by the test itself; returns the view and that answer.
    /// </summary>
    private async Task<(ILocator Shown, JsonElement Answer)> ShowsTheReconstructionOfTheFinishedCanvasAsync(IPage page)
    {
        var shown = page.Locator("#reconstruction-view[data-lift-to-shown-ms]");
        await shown.WaitForAsync();
        var canvas = await page.EvalOnSelectorAsync<string>("#pad", "pad => pad.toDataURL('image/png')");
        var answer = await server.ReconstructAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), "drawing.png", "image/png");
        Assert.Equal(PngPrefix + answer.GetProperty("image").GetString(), await shown.GetAttributeAsync("src"));
        return (shown, answer);
    }
}
