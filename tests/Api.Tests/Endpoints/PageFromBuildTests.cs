using System.IO.Compression;
using System.Net;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// The page as a browser gets it from a build (not a publish) started in Production: the build's endpoints manifest
/// sends a browser that accepts gzip to precompressed copies that only a publish puts in wwwroot.
/// </summary>
public sealed class PageFromBuildTests(PageFromBuildTests.BuildInProduction service) : IClassFixture<PageFromBuildTests.BuildInProduction>
{
    [Theory]
    [InlineData("/", "index.html")]
    [InlineData("/app.js", "app.js")]
    [InlineData("/styles.css", "styles.css")]
    public async Task ABrowserGetsThePageWhole(string path, string file)
    {
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = service.Process.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br, zstd");

        using var response = await client.SendAsync(request);
        var body = await Decompress(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(TestData.RepositoryRoot, "src", "Api", "wwwroot", file)), body);
    }

    private static async Task<byte[]> Decompress(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        await using Stream decoded = response.Content.Headers.ContentEncoding.SingleOrDefault() switch
        {
            null => body,
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            var encoding => throw new InvalidOperationException($"unexpected Content-Encoding {encoding}"),
        };
        using var bytes = new MemoryStream();
        await decoded.CopyToAsync(bytes);
        return bytes.ToArray();
    }

    /// <summary>One service process for the class's tests.</summary>
    public sealed class BuildInProduction : IAsyncLifetime
    {
        public ServiceProcess Process { get; } = ServiceProcess.Start();

        public Task InitializeAsync() => Process.WaitUntilReadyAsync();

        public Task DisposeAsync()
        {
            Process.Dispose();
            return Task.CompletedTask;
        }
    }
}
