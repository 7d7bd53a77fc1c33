using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Reports;
using Autoencoder.Training.Tests.Data;

namespace Autoencoder.Training.Tests.Reports;

public sealed class LatentMapBuilderTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void FitFindsTheTwoDirectionsOfLargestVarianceAndTheMean()
    {
        // Latents spread 3 units along one direction, 1 along another and barely at all elsewhere.
        float[] mean = [1, -2, 0.5f, 4, 0];
        float[] wide = Unit([1, 1, 0, 0, 0]);
        float[] narrow = Unit([0, 0, 1, -1, 0]);
        var random = new Random(7);
        const int Count = 4000;
        var latents = new float[Count * 5];
        for (var n = 0; n < Count; n++)
        {
            var (a, b) = (Gaussian(random) * 3, Gaussian(random));
            for (var i = 0; i < 5; i++)
            {
                latents[(n * 5) + i] = mean[i] + (a * wide[i]) + (b * narrow[i]) + (Gaussian(random) * 0.01f);
            }
        }

        var plane = LatentMapBuilder.Fit(latents, Count, 5);

        Assert.InRange(Math.Abs(Dot(plane.Components[0], wide)), 0.999, 1.0001);
        Assert.InRange(Math.Abs(Dot(plane.Components[1], narrow)), 0.999, 1.0001);
        Assert.InRange(Math.Abs(Dot(plane.Components[0], plane.Components[1])), 0, 1e-6);
        Assert.All(mean.Zip(plane.Mean), pair => Assert.Equal(pair.First, pair.Second, 0.1));
        Assert.InRange(plane.ExplainedVariance[0], 0.88, 0.92);
        Assert.InRange(plane.ExplainedVariance[1], 0.08, 0.12);

        // A point on the plane comes back from its map coordinates: mean + x * c1 + y * c2.
        float[] onPlane = [.. mean.Select((m, i) => m + (2 * wide[i]) - (0.5f * narrow[i]))];
        var (x, y) = plane.Project(onPlane);
        var back = plane.Mean.Select((m, i) => m + (x * plane.Components[0][i]) + (y * plane.Components[1][i]));
        Assert.All(onPlane.Zip(back), pair => Assert.Equal(pair.First, pair.Second, 0.05));
    }

    [Fact]
    public async Task LatentMapCommandWritesTheMapOfTestImagesIntoTheModelFolder()
    {
        var model = CopyBundledModel();
        var images = Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz");
        var labels = Path.Combine(TestData.Mnist, "t10k-labels-idx1-ubyte.gz");

        var (exitCode, output, error) = await Run("latent-map", "--model", model, "--images", images, "--labels", labels, "--points", "500");

        Assert.True(exitCode == 0, error);
        Assert.Contains("latent-map: 500 of 10000 images from mnist t10k", output, StringComparison.Ordinal);
        var map = LatentMap.Load(Path.Combine(model, LatentMap.FileName));
        Assert.Equal("mnist t10k", map.Dataset);
        Assert.Equal(10000, map.FittedImages);
        Assert.Null(map.Mismatch(ModelManifest.Load(Path.Combine(model, ModelManifest.FileName)).LatentSize));
        Assert.Equal(500, map.Points.Length);
        var testLabels = Autoencoder.Training.Data.IdxReader.ReadLabels(labels);
        Assert.Equal(testLabels[..500].Select(label => (int)label), map.Points.Select(point => point.Label));
        Assert.True(map.Points.Select(point => point.X).Distinct().Count() > 450, "points are spread over the map");
        Assert.Equal(Enumerable.Range(0, 10), map.Examples.Select(example => example.Label));
        Assert.All(map.Examples, example => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Convert.FromBase64String(example.Image)[..4]));
        Assert.True(map.ExplainedVariance[0] >= map.ExplainedVariance[1]);
    }

    [Fact]
    public async Task LatentMapCommandRefusesImagesOfAnotherSize()
    {
        var model = CopyBundledModel();
        IdxFiles.Write(temp.Path, "small-images-idx3-ubyte", IdxFiles.Images(3, 14, 14), gzip: false);
        IdxFiles.Write(temp.Path, "small-labels-idx1-ubyte", IdxFiles.Labels(3), gzip: false);
        var images = temp.File("small-images-idx3-ubyte");

        var (exitCode, _, error) = await Run("latent-map", "--model", model, "--images", images, "--labels", temp.File("small-labels-idx1-ubyte"));

        Assert.Equal(2, exitCode);
        Assert.Equal($"error: {images}: images are 1x14x14 but the model takes 1x28x28", error.TrimEnd());
        Assert.False(File.Exists(Path.Combine(model, LatentMap.FileName)));
    }

    private string CopyBundledModel()
    {
        var model = temp.File("model");
        Directory.CreateDirectory(model);
        foreach (var file in new[] { ModelManifest.FileName, ModelManifest.EncoderFileName })
        {
            File.Copy(Path.Combine(TestData.RepositoryRoot, "models", "mnist", file), Path.Combine(model, file));
        }

        return model;
    }

    private static float[] Unit(float[] vector)
    {
        var length = MathF.Sqrt(vector.Sum(value => value * value));
        return [.. vector.Select(value => value / length)];
    }

    private static double Dot(float[] first, float[] second) => first.Zip(second).Sum(pair => (double)pair.First * pair.Second);

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
