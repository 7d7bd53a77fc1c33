using System.Text.Json;
using Microsoft.Playwright;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The Generate panel: samples drawn from the model's latent prior.</summary>
[Collection(SharedPlayground.Name)]
public sealed class GeneratePanelTests(PlaygroundServer server)
{
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

        // Each drawn at three times the model's 28 pixels or more, with crisp pixels, as the other panels draw theirs.
        var drawn = await page.Locator("#samples img").EvaluateAllAsync<double[][]>(
            "images => images.map(image => { const box = image.getBoundingClientRect(); return [box.width, box.height]; })");
        Assert.All(drawn, size => Assert.True(size[0] >= 3 * 28 && size[1] >= 3 * 28, $"a sample drawn at {size[0]}x{size[1]}"));
        var rendering = await page.Locator("#samples img").EvaluateAllAsync<string[]>("images => images.map(image => getComputedStyle(image).imageRendering)");
        Assert.All(rendering, value => Assert.Equal("pixelated", value));
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
        Assert.Equal(await server.DecodeAsync(last.PostData!, new Uri(last.Url).PathAndQuery), await page.GetAttributeAsync("#slider-view", "src"));
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
}
