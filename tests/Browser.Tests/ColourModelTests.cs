using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static Autoencoder.Browser.Tests.PageSteps;
using static Microsoft.Playwright.Assertions;

namespace Autoencoder.Browser.Tests;

/// <summary>
/// The page with a colour model of another size (<see cref="PlaygroundServer.ColourModel"/>, 10 wide and 8 high, an
/// identity autoencoder): the pad draws in the chosen colours and is sent at the model's size, uploads keep their
/// colour, and every panel shows colour pictures of the model's size in its proportions.
/// </summary>
[Collection(SharedPlayground.Name)]
public sealed class ColourModelTests(PlaygroundServer server, ITestOutputHelper output)
{
    private static readonly int Width = PlaygroundServer.ColourShape.Width;
    private static readonly int Height = PlaygroundServer.ColourShape.Height;

    [Fact]
    public async Task TheInkAndPaperColoursAreOfferedForTheColourModelAlone()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        var colours = page.Locator("#pad-colours");
        await Expect(colours).ToBeHiddenAsync();
        await Expect(page.Locator("#pad-sends")).ToContainTextAsync("The pad is sent whole (280×280, dark ink on white)");

        await page.SelectOptionAsync("#model", PlaygroundServer.ColourModel);

        await Expect(colours).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Ink", new PageGetByLabelOptions { Exact = true })).ToHaveValueAsync("#000000");
        await Expect(page.GetByLabel("Paper", new PageGetByLabelOptions { Exact = true })).ToHaveValueAsync("#ffffff");
        await Expect(page.Locator("#pad-sends")).ToHaveTextAsync("The pad is sent as a 10×8 RGB PNG, the model's own size: your ink on your paper, in their colours.");

        // The pad takes the model's proportions.
        Assert.Equal(new[] { 280, 224 }, await page.EvalOnSelectorAsync<int[]>("#pad", "pad => [pad.width, pad.height]"));

        await page.SelectOptionAsync("#model", "fashion");
        await Expect(colours).ToBeHiddenAsync();
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AStrokeInRedIsSentAsARedPngOfTheModelsSizeAndItsReconstructionIsShownRed()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.SelectOptionAsync("#model", PlaygroundServer.ColourModel);
        await page.GetByLabel("Ink", new PageGetByLabelOptions { Exact = true }).FillAsync("#ff0000");
        // What the page sends, as the service gets it (a request event leaves out a multipart body's files; a route has them).
        var sentBodies = new List<(string ContentType, byte[] Body)>();
        await page.RouteAsync("**/reconstruct?*", async route =>
        {
            var request = route.Request;
            lock (sentBodies)
            {
                sentBodies.Add((request.Headers["content-type"], request.PostDataBuffer!));
            }

            await route.ContinueAsync();
        });

        await DrawSevenAsync(page);
        var shown = page.Locator("#reconstruction-view[data-lift-to-shown-ms]");
        await shown.WaitForAsync();

        // What went to the service: a colour PNG of the model's size, red ink on white paper.
        (string ContentType, byte[] Body) last;
        lock (sentBodies)
        {
            last = sentBodies[^1];
        }

        var sent = await ImageSentAsync(last);
        var format = Image.Identify(sent);
        Assert.Equal((Width, Height), (format.Width, format.Height));
        Assert.Contains(format.Metadata.GetPngMetadata().ColorType, new PngColorType?[] { PngColorType.Rgb, PngColorType.RgbWithAlpha });
        using var picture = Image.Load<Rgb24>(sent);
        var pixels = Pixels(picture);
        var inked = pixels.MinBy(pixel => pixel.G);
        Assert.True(inked.R > 200 && inked.G < 140 && inked.B < 140, $"the most inked pixel sent is {inked}, not red");
        Assert.Contains(new Rgb24(255, 255, 255), pixels);

        // The identity model gives back what it got: the page shows the same pixels, red where the ink was.
        var reconstruction = await PictureAsync(shown);
        Assert.Equal((Width, Height), (reconstruction.Width, reconstruction.Height));
        Assert.Equal(pixels, reconstruction.Pixels);
        var index = pixels.IndexOf(inked);
        var shownInk = reconstruction.Pixels[index];
        Assert.True(shownInk.R > shownInk.G + 60 && shownInk.R > shownInk.B + 60, $"the reconstruction is {shownInk} where the ink was");
        session.AssertNoProblems();
    }

    [Fact]
    public async Task AnUploadedColourPictureIsShownAndReconstructedInColour()
    {
        await using var session = await PageSession.OpenAsync(server);
        var page = session.Page;
        await page.SelectOptionAsync("#model", PlaygroundServer.ColourModel);

        // Twice the model's size, red on the left and blue on the right.
        using var upload = new Image<Rgb24>(2 * Width, 2 * Height);
        upload.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                row[..Width].Fill(new Rgb24(255, 0, 0));
                row[Width..].Fill(new Rgb24(0, 0, 255));
            }
        });
        using var file = new MemoryStream();
        await upload.SaveAsPngAsync(file);
        await page.SetInputFilesAsync("#upload", new FilePayload { Name = "halves.png", MimeType = "image/png", Buffer = file.ToArray() });
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("src", new Regex("^data:"));
        await Expect(page.Locator("#reconstruction-view")).ToHaveAttributeAsync("aria-busy", "false");

        // The pad shows the upload in its colours, and so do the model's input and its reconstruction.
        var pad = await page.EvalOnSelectorAsync<int[]>("#pad", """
            pad => {
              const context = pad.getContext('2d');
              const at = (x, y) => [...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
              return [...at(pad.width / 4, pad.height / 2), ...at((3 * pad.width) / 4, pad.height / 2)];
            }
            """);
        Assert.Equal(new[] { 255, 0, 0, 0, 0, 255 }, pad);
        foreach (var view in new[] { "#input-view", "#reconstruction-view" })
        {
            var picture = await PictureAsync(page.Locator(view));
            Assert.Equal((Width, Height), (picture.Width, picture.Height));
            Assert.Equal(new Rgb24(255, 0, 0), picture.At(1, Height / 2));
            Assert.Equal(new Rgb24(0, 0, 255), picture.At(Width - 2, Height / 2));
        }

        session.AssertNoProblems();
    }

    /// <summary>Also takes a screenshot of the page with the colour model (page-colour.png in the tests' output folder).</summary>
    [Fact]
    public async Task SlidersMapGenerationInterpolationAndDenoisingShowColourPicturesOfTheModelsSizeAndProportions()
    {
        await using var session = await PageSession.OpenAsync(server, width: 1280, height: 1000);
        var page = session.Page;
        await page.SelectOptionAsync("#model", PlaygroundServer.ColourModel);
        await page.GetByLabel("Ink", new PageGetByLabelOptions { Exact = true }).FillAsync("#1060d0");
        await page.GetByLabel("Paper", new PageGetByLabelOptions { Exact = true }).FillAsync("#f8e0a0");
        await DrawSevenAsync(page);
        await page.Locator("#reconstruction-view[data-lift-to-shown-ms]").WaitForAsync();

        // Sliders: randomised around the drawing's code, each number a pixel of one channel.
        var decodes = await DecodesAsync(page);
        await page.ClickAsync("#randomise");
        await page.WaitForFunctionAsync("count => Number(document.getElementById('slider-view').dataset.decodes ?? 0) > count", decodes);
        await Expect(page.Locator("#slider-view")).ToHaveAttributeAsync("aria-busy", "false");

        // The map: a point away from its middle, which is mid-gray.
        await page.Locator("#map-canvas").ClickAsync(new LocatorClickOptions { Position = new Position { X = 300, Y = 100 } });
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("data-decodes", "1");
        await Expect(page.Locator("#map-view")).ToHaveAttributeAsync("aria-busy", "false");

        // Generation, the strip between the map's red and blue examples, and the red example denoised.
        await page.ClickAsync("#generate-button");
        await Expect(page.Locator("#samples img")).ToHaveCountAsync(16);
        await Expect(page.Locator("#samples")).ToHaveAttributeAsync("aria-busy", "false");
        await page.Locator("#slot-second img[src]").WaitForAsync();
        await page.ClickAsync("#build-strip");
        await Expect(page.Locator("#strip img")).ToHaveCountAsync(8);
        await Expect(page.Locator("#strip")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(page.Locator("#denoise-source")).ToHaveValueAsync("0");
        await Expect(page.Locator("#denoised-view")).ToHaveAttributeAsync("src", new Regex("^data:"));
        await Expect(page.Locator("#denoise-views")).ToHaveAttributeAsync("aria-busy", "false");

        var views = page.Locator("#input-view, #reconstruction-view, #slider-view, #map-view, #samples img, #strip img, #denoise-views img");
        var count = await views.CountAsync();
        Assert.Equal(2 + 1 + 1 + 16 + 8 + 3, count);
        for (var i = 0; i < count; i++)
        {
            var picture = await PictureAsync(views.Nth(i));
            var name = await views.Nth(i).EvaluateAsync<string>("image => image.id || image.alt || image.closest('[id]').id");
            Assert.True((Width, Height) == (picture.Width, picture.Height), $"{name} is {picture.Width}x{picture.Height}");
            Assert.True(picture.Pixels.Any(pixel => pixel.R != pixel.G || pixel.G != pixel.B), $"{name} is gray");
            Assert.True(Math.Abs((picture.ShownWidth / picture.ShownHeight) - ((double)Width / Height)) < 0.03, $"{name} is shown {picture.ShownWidth}x{picture.ShownHeight}");
            Assert.Equal("pixelated", await views.Nth(i).EvaluateAsync<string>("image => getComputedStyle(image).imageRendering"));
        }

        // The strip blends red into blue: its middle frame is as red as it is blue.
        var middle = await PictureAsync(page.Locator("#strip img").Nth(4));
        Assert.All(middle.Pixels, pixel => Assert.True(pixel.R > 50 && pixel.B > 50 && pixel.G == 0, $"a middle frame's pixel is {pixel}"));

        var path = Path.Combine(AppContext.BaseDirectory, "page-colour.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        session.AssertNoProblems();
    }

    /// <summary>The image field of a multipart request the page sent.</summary>
    private static async Task<byte[]> ImageSentAsync((string ContentType, byte[] Body) request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, new MemoryStream(request.Body));
        var section = await reader.ReadNextSectionAsync();
        Assert.NotNull(section);
        using var image = new MemoryStream();
        await section.Body.CopyToAsync(image);
        return image.ToArray();
    }

    /// <summary>An image element's picture as the browser decoded it, at its natural size, and the size it is shown at.</summary>
    private static async Task<Picture> PictureAsync(ILocator image)
    {
        var values = await image.EvaluateAsync<double[]>("""
            async image => {
              await image.decode();
              const canvas = document.createElement('canvas');
              canvas.width = image.naturalWidth;
              canvas.height = image.naturalHeight;
              const context = canvas.getContext('2d');
              context.drawImage(image, 0, 0);
              const box = image.getBoundingClientRect();
              const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
              return [canvas.width, canvas.height, box.width, box.height, ...rgba];
            }
            """);
        var (width, height) = ((int)values[0], (int)values[1]);
        var pixels = Enumerable.Range(0, width * height)
            .Select(i => new Rgb24((byte)values[4 + (4 * i)], (byte)values[5 + (4 * i)], (byte)values[6 + (4 * i)]))
            .ToList();
        return new Picture(width, height, values[2], values[3], pixels);
    }

    private static List<Rgb24> Pixels(Image<Rgb24> image)
    {
        var pixels = new List<Rgb24>(image.Width * image.Height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                pixels.AddRange(rows.GetRowSpan(y).ToArray());
            }
        });
        return pixels;
    }

    private sealed record Picture(int Width, int Height, double ShownWidth, double ShownHeight, List<Rgb24> Pixels)
    {
        public Rgb24 At(int x, int y) => Pixels[(y * Width) + x];
    }
}
