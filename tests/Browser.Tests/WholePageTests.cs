using System.Text.Json;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The page as a whole: switching models, labels and a phone's width, and the screenshot in the README.</summary>
[Collection(SharedPlayground.Name)]
public sealed class WholePageTests(PlaygroundServer server, ITestOutputHelper output)
{
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

    /// <summary>The page after a drawn digit, a map click, sixteen generated samples, a strip and a denoised test digit, for the README (AUTOENCODER_PAGE_SCREENSHOT says where).</summary>
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
        await page.ClickAsync("#generate-button");
        await Expect(page.Locator("#samples img")).ToHaveCountAsync(16);
        await page.ClickAsync("#build-strip");
        await page.Locator("#strip li").Nth(7).WaitForAsync();
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#samples")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#denoise-views")).ToHaveAttributeAsync("aria-busy", "false");

        // Every picture the page shows has arrived and decoded, and the map has drawn its points.
        var missing = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#input-view, #reconstruction-view, #slider-view, #map-view, .slot img, #strip img, #samples img, #denoise-views img')]
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
}
