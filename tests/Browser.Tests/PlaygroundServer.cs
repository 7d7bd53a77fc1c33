using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoencoder.Api.Tests;
using Autoencoder.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Browser.Tests;

/// <summary>One server and browser for every panel's tests, which therefore run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPlayground : ICollectionFixture<PlaygroundServer>
{
    public const string Name = "Playground";
}

/// <summary>
/// The real service on Kestrel (loopback, a port the OS picks) serving every bundled model plus two copies of the
/// default one, one without a latent map or prior and one with a prior of the tests' making, and a colour model of
/// another size; and one headless Chromium: Debian's, since Playwright cannot download browsers here.
/// </summary>
public sealed class PlaygroundServer : IAsyncLifetime, IDisposable
{
    /// <summary>A second model, to switch to: the bundled MNIST model's files without its latent map or latent prior.</summary>
    public const string ModelWithoutMap = "mnist-without-map";

    /// <summary>The bundled MNIST model's files with <see cref="Prior"/> in its model.json, to generate from.</summary>
    public const string ModelWithPrior = "mnist-with-prior";

    /// <summary>
    /// A colour model, 10 wide and 8 high, of its own data set: an identity autoencoder (every picture it gives back is
    /// the one it was given), its own denoiser, with a prior around mid-gray and a map of <see cref="ColourMap"/>.
    /// </summary>
    public const string ColourModel = "colour";

    public static readonly ImageShape ColourShape = new(3, 8, 10);

    private readonly string models = Path.Combine(Path.GetTempPath(), "autoencoder-browser-" + Guid.NewGuid().ToString("N"));
    private Factory? factory;
    private IPlaywright? playwright;

    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary><see cref="ModelWithPrior"/>'s prior: two Gaussians, at the MNIST test codes' mean and two units along their first principal component.</summary>
    public LatentPrior Prior { get; private set; } = null!;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The browser to drive; AUTOENCODER_CHROMIUM overrides Debian's.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("AUTOENCODER_CHROMIUM") ?? "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(models);
        var bundled = Path.Combine(RepositoryRoot, "models");
        foreach (var folder in Directory.GetDirectories(bundled))
        {
            Directory.CreateSymbolicLink(Path.Combine(models, Path.GetFileName(folder)), folder);
        }

        var mnist = Path.Combine(bundled, "mnist");
        Prior = PriorAroundTheMap(Path.Combine(mnist, LatentMap.FileName));
        CopyMnist(ModelWithoutMap, manifest => manifest.AsObject().Remove("prior"));
        CopyMnist(ModelWithPrior, manifest => manifest["prior"] = JsonSerializer.SerializeToNode(Prior, ModelManifest.JsonOptions));
        var colour = Path.Combine(models, ColourModel);
        IdentityModels.Write(colour, ColourModel, ColourShape, "fit", Path.Combine(mnist, ModelManifest.FileName), manifest =>
        {
            manifest["dataset"]!["name"] = "test colours";
            manifest["noise"] = new JsonArray("gaussian:0-0.5");
        });
        ColourMap().Save(Path.Combine(colour, LatentMap.FileName));

        factory = new Factory(models);
        Client = factory.CreateClient();
        BaseAddress = Client.BaseAddress!;

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No browser at {ChromiumPath}: install Debian's chromium package, or set AUTOENCODER_CHROMIUM.");
        }

        // Expect(...) waits as long as the pages' actions do (PageSession's timeout): the cores are shared with builds.
        Assertions.SetDefaultExpectTimeout(60_000);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        playwright = null;
        Dispose();
    }

    /// <summary>Stops the server and removes its models folder; safe to call more than once.</summary>
    public void Dispose()
    {
        Client?.Dispose();
        factory?.Dispose();
        factory = null;
        if (Directory.Exists(models))
        {
            Directory.Delete(models, recursive: true);
        }
    }

    /// <summary>A model folder of the bundled MNIST model's ONNX files (linked) and its model.json changed by <paramref name="edit"/>.</summary>
    private void CopyMnist(string name, Action<JsonNode> edit)
    {
        var mnist = Path.Combine(RepositoryRoot, "models", "mnist");
        var folder = Directory.CreateDirectory(Path.Combine(models, name)).FullName;
        foreach (var file in new[] { ModelManifest.EncoderFileName, ModelManifest.DecoderFileName })
        {
            File.CreateSymbolicLink(Path.Combine(folder, file), Path.Combine(mnist, file));
        }

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(mnist, ModelManifest.FileName)))!;
        edit(manifest);
        File.WriteAllText(Path.Combine(folder, ModelManifest.FileName), manifest.ToJsonString());
    }

    /// <summary>
    /// <see cref="ColourModel"/>'s map: around mid-gray, its first direction more red, its second more blue, with a red,
    /// a blue and a green picture on it; the red and the blue are its examples.
    /// </summary>
    private static LatentMap ColourMap()
    {
        var plane = ColourShape.Height * ColourShape.Width;
        float[] Along(int channel) => [.. Enumerable.Range(0, ColourShape.PixelCount).Select(i => i / plane == channel ? 1 / MathF.Sqrt(plane) : 0)];
        var reach = 0.5f * MathF.Sqrt(plane); // a pure colour's distance from mid-gray along its own plane's direction
        return new LatentMap
        {
            Dataset = "test colours",
            FittedImages = 3,
            Mean = [.. Enumerable.Repeat(0.5f, ColourShape.PixelCount)],
            Components = [Along(0), Along(2)],
            ExplainedVariance = [0.5, 0.25],
            Points = [new LatentMapPoint(reach, -reach, 1), new LatentMapPoint(-reach, reach, 2), new LatentMapPoint(-reach, -reach, 3)],
            Examples =
            [
                new LatentMapExample(1, Convert.ToBase64String(IdentityModels.Picture(ColourShape, new Rgb24(255, 0, 0)))),
                new LatentMapExample(2, Convert.ToBase64String(IdentityModels.Picture(ColourShape, new Rgb24(0, 0, 255)))),
            ],
        };
    }

    private static LatentPrior PriorAroundTheMap(string latentMapPath)
    {
        var map = LatentMap.Load(latentMapPath);
        var mean = map.Mean.Select(value => (double)value).ToArray();
        var along = mean.Select((value, i) => value + (2 * map.Components[0][i])).ToArray();
        double[][] covariance = [.. Enumerable.Range(0, mean.Length).Select(row => Enumerable.Range(0, mean.Length).Select(column => row == column ? 1.0 : 0).ToArray())];
        return new LatentPrior
        {
            Kind = LatentPrior.GaussianMixtureKind,
            FittedTo = "the browser tests' own numbers",
            Components = [new PriorComponent(0.5, mean, covariance), new PriorComponent(0.5, along, covariance)],
        };
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Autoencoder.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("tests must run from inside the repository");
    }

    private sealed class Factory : WebApplicationFactory<Program>
    {
        private readonly string models;

        public Factory(string models)
        {
            this.models = models;

            // 127.0.0.1 only, so nothing beyond this machine reaches the test server; port 0 so runs never collide.
            UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            StartServer();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");

            builder.UseSetting("Models:Directory", models);

            // The page speaks HTTP only; the gRPC port stays closed.
            builder.UseSetting("Grpc:Enabled", "false");
        }
    }
}
