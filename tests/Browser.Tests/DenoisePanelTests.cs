using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The Denoising panel: clean, noisy and denoised side by side, with the service's PSNRs.</summary>
[Collection(SharedPlayground.Name)]
public sealed class DenoisePanelTests(PlaygroundServer server)
{
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
        var answer = await server.DenoiseAsync(digit, "mnist-denoise", "gaussian:0.5", seed);
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
        var answer = await server.DenoiseAsync(Convert.FromBase64String(canvas[PngPrefix.Length..]), query["model"]!, query["noise"]!, int.Parse(query["seed"]!, CultureInfo.InvariantCulture));
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
}
