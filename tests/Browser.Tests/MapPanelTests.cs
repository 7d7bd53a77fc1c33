using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>The latent map: test images on their latents' first two principal components, any point decoded.</summary>
[Collection(SharedPlayground.Name)]
public sealed class MapPanelTests(PlaygroundServer server)
{
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
    public async Task TheBundledColourModelsMapDecodesItsPointsAsColourPictures()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.SelectOptionAsync("#model", "mnist-colour");
        await Expect(page.Locator("#map-caption")).ToContainTextAsync("mnist-colour test images");
        Assert.Equal(10, await page.Locator("#map-legend span").CountAsync());
        using var latentMap = JsonDocument.Parse(await server.Client.GetStringAsync("/models/mnist-colour/latent-map"));
        await Expect(page.Locator("#slider-view")).ToHaveAttributeAsync("aria-busy", "false");
        var decodeRequests = RecordRequests(page, "/decode");

        var view = page.Locator("#map-view");
        await page.Locator("#map-canvas").ClickAsync(new LocatorClickOptions { Position = new Position { X = 300, Y = 100 } });
        await Expect(view).ToHaveAttributeAsync("data-decodes", "1");
        await Expect(view).ToHaveAttributeAsync("aria-busy", "false");

        await AssertTheMapShowsMeanPlusXTimesC1PlusYTimesC2Async(page, latentMap.RootElement, LastOf(decodeRequests));
        var png = Convert.FromBase64String((await view.GetAttributeAsync("src"))!.Split(',')[1]);
        Assert.Equal((2, 32, 32), (png[25], (int)png[19], (int)png[23])); // RGB, 32x32
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
        Assert.Equal(await server.DecodeAsync(decode.PostData!, new Uri(decode.Url).PathAndQuery), await page.GetAttributeAsync("#map-view", "src"));
    }
}
