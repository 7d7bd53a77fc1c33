using Microsoft.Playwright;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The Interpolation panel: a strip of frames between two images.</summary>
[Collection(SharedPlayground.Name)]
public sealed class InterpolatePanelTests(PlaygroundServer server)
{
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
}
