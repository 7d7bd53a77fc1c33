using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Autoencoder.Browser.Tests;

/// <summary>What the panels' tests do on the page, and the service calls they compare its pictures with.</summary>
internal static class PageSteps
{
    internal const string PngPrefix = "data:image/png;base64,";

    /// <summary>A "7" drawn with the mouse: a bar, then a diagonal down to the left.</summary>
    internal static async Task DrawSevenAsync(IPage page)
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

    internal static async Task PressAsync(IPage page, string key, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await page.Keyboard.PressAsync(key);
        }
    }

    internal static Task<bool> HasInkAsync(IPage page) => page.EvalOnSelectorAsync<bool>("#pad", """
        pad => {
          const pixels = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
          return pixels.some((value, i) => i % 4 === 0 && value < 250);
        }
        """);

    /// <summary>Every request the page sends to a path from now on, in order.</summary>
    internal static List<IRequest> RecordRequests(IPage page, string path)
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

    internal static IRequest LastOf(List<IRequest> requests)
    {
        lock (requests)
        {
            Assert.NotEmpty(requests);
            return requests[^1];
        }
    }

    internal static double[] LatentOf(IRequest decode)
    {
        using var body = JsonDocument.Parse(decode.PostData!);
        return [.. body.RootElement.GetProperty("latent").EnumerateArray().Select(value => value.GetDouble())];
    }

    internal static (double X, double Y) Coordinates(string shown)
    {
        var parts = shown.Trim('(', ')').Split(", ").Select(value => double.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, parts.Length);
        return (parts[0], parts[1]);
    }

    /// <summary>The service's PNG for a /decode request body, as the data: URL the page shows.</summary>
    internal static async Task<string> DecodeAsync(this PlaygroundServer server, string body, string url = "/decode")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("image/png");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return PngPrefix + Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync());
    }

    internal static string PsnrText(double psnr) => string.Create(CultureInfo.InvariantCulture, $"(PSNR {psnr:F2} dB)");

    internal static double Psnr(string? shown)
    {
        var match = Regex.Match(shown ?? string.Empty, @"^\(PSNR (-?[0-9.]+) dB\)$");
        Assert.True(match.Success, $"'{shown}' is not a PSNR");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    internal static string? SeedOf(string url) => System.Web.HttpUtility.ParseQueryString(new Uri(url).Query)["seed"];

    internal static async Task<JsonElement> DenoiseAsync(this PlaygroundServer server, byte[] image, string model, string noise, int seed)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "image.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/denoise?model={Uri.EscapeDataString(model)}&noise={Uri.EscapeDataString(noise)}&seed={seed}") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    internal static async Task<JsonElement> ScoreAsync(this PlaygroundServer server, byte[] image, string model)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "image.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/score?model={model}") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    internal static async Task<byte[]> HeatMapAsync(this PlaygroundServer server, byte[] image, string model)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "image.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/score?model={model}") { Content = form };
        request.Headers.Accept.ParseAdd("image/png");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadAsByteArrayAsync();
    }

    internal static async Task<int> DecodesAsync(IPage page) =>
        int.Parse(await page.GetAttributeAsync("#slider-view", "data-decodes") ?? "0", CultureInfo.InvariantCulture);

    internal static async Task<JsonElement> ReconstructAsync(this PlaygroundServer server, byte[] image, string fileName, string contentType)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } }, "image", fileName } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reconstruct") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
