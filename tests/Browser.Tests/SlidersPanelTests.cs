using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The latent sliders: one per latent number, each move decoded live.</summary>
[Collection(SharedPlayground.Name)]
public sealed class SlidersPanelTests(PlaygroundServer server, ITestOutputHelper output)
{
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
        Assert.Equal(await server.DecodeAsync(last.PostData!), await view.GetAttributeAsync("src"));
        output.WriteLine($"slider sweep: {Presses} moves in {swept.TotalMilliseconds:F0} ms gave {decodes} decodes ({decodes / swept.TotalSeconds:F0} a second); the rest were superseded before they were sent");
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
}
