using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Autoencoder.Api.Tests;

/// <summary>Requests the way clients send them: multipart uploads, raw bodies, Accept headers.</summary>
public static class HttpExtensions
{
    public static MultipartFormDataContent Form(params (string Field, byte[] Bytes, string ContentType)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, bytes, contentType) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(content, field, field + (contentType == "image/jpeg" ? ".jpg" : ".png"));
        }

        return form;
    }

    public static MultipartFormDataContent PngForm(string field, byte[] png) => Form((field, png, "image/png"));

    public static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    public static async Task<HttpResponseMessage> PostAsync(this HttpClient client, string url, HttpContent content, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static float[] Floats(this JsonElement element) => [.. element.EnumerateArray().Select(value => value.GetSingle())];

    /// <summary>Asserts a problem response: status, problem+json content type, and a detail containing <paramref name="detail"/>.</summary>
    public static async Task AssertProblemAsync(this HttpResponseMessage response, int status, string detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Whatever the request's Accept, a problem says what kind it is and which trace to quote.
        foreach (var member in (string[])["type", "title", "traceId"])
        {
            Assert.True(problem.RootElement.TryGetProperty(member, out var value) && !string.IsNullOrEmpty(value.GetString()), $"no '{member}' in {body}");
        }
    }

    /// <summary>Asserts a 200 answer holding a 28x28 PNG, and returns its gray values.</summary>
    public static async Task<byte[]> AssertDigitPngAsync(this HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var (width, height, pixels) = Digits.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((28, 28), (width, height));
        return pixels;
    }
}
