using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Priors;

namespace Autoencoder.Training.Tests.Priors;

public sealed class GaussianMixtureFitTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void OneGaussianHasTheCodesMeanAndCovarianceAndAPositiveDefiniteRidge()
    {
        const int count = 500, size = 3;
        var random = new Random(4);
        var codes = new float[count * size];
        for (var n = 0; n < count; n++)
        {
            // Correlated: the second number follows the first, the third is its own.
            var a = Normal(random);
            codes[(n * size) + 0] = (float)(2 + a);
            codes[(n * size) + 1] = (float)(-1 + (0.5 * a) + (0.1 * Normal(random)));
            codes[(n * size) + 2] = (float)(3 * Normal(random));
        }

        var prior = GaussianMixtureFit.Fit(codes, count, size, components: 1, seed: 1, "synthetic codes");

        Assert.Equal(LatentPrior.GaussianKind, prior.Kind);
        Assert.Equal("synthetic codes", prior.FittedTo);
        Assert.Null(prior.Problem(size));
        var component = Assert.Single(prior.Components);
        Assert.Equal(1, component.Weight);
        for (var i = 0; i < size; i++)
        {
            var mean = Enumerable.Range(0, count).Average(n => (double)codes[(n * size) + i]);
            Assert.Equal(mean, component.Mean[i], 9);
            for (var j = 0; j < size; j++)
            {
                var meanJ = Enumerable.Range(0, count).Average(n => (double)codes[(n * size) + j]);
                var covariance = Enumerable.Range(0, count).Average(n => (codes[(n * size) + i] - mean) * (codes[(n * size) + j] - meanJ));
                Assert.Equal(covariance, component.Covariance[i][j], 4);
            }
        }

        Assert.InRange(component.Covariance[0][1], 0.4, 0.6);
    }

    [Fact]
    public void ADimensionTheCodesNeverUseStillGivesAPositiveDefiniteCovariance()
    {
        // The second number is always 0, as a dead ReLU latent is.
        var codes = Enumerable.Range(0, 100).SelectMany(n => new[] { (float)Math.Sin(n), 0f }).ToArray();

        var prior = GaussianMixtureFit.Fit(codes, 100, 2, components: 1, seed: 1, "codes");

        Assert.Null(prior.Problem(2));
        Assert.InRange(prior.Components[0].Covariance[1][1], double.Epsilon, 1e-5);
    }

    [Fact]
    public void ExpectationMaximisationRecoversTwoClustersWeightsAndMeans()
    {
        var (codes, count) = TwoClusters(new Random(7), first: 600, second: 1400);

        var prior = GaussianMixtureFit.Fit(codes, count, 2, components: 2, seed: 3, "two clusters");

        Assert.Equal(LatentPrior.GaussianMixtureKind, prior.Kind);
        Assert.Null(prior.Problem(2));
        var components = prior.Components.OrderBy(component => component.Mean[0]).ToArray();
        Assert.Equal(0.3, components[0].Weight, 0.02);
        Assert.Equal(0.7, components[1].Weight, 0.02);
        Assert.Equal(-5, components[0].Mean[0], 0.2);
        Assert.Equal(0, components[0].Mean[1], 0.2);
        Assert.Equal(5, components[1].Mean[0], 0.2);
        Assert.Equal(3, components[1].Mean[1], 0.2);
        Assert.Equal(1, components[1].Covariance[0][0], 0.2);
    }

    [Fact]
    public void TwoComponentsExplainHeldOutCodesOfTwoClustersBetterThanOne()
    {
        var (codes, count) = TwoClusters(new Random(8), first: 500, second: 500);
        var (heldOut, heldOutCount) = TwoClusters(new Random(9), first: 200, second: 200);

        var one = GaussianMixtureFit.MeanLogLikelihood(GaussianMixtureFit.Fit(codes, count, 2, 1, 1, "codes"), heldOut, heldOutCount);
        var two = GaussianMixtureFit.MeanLogLikelihood(GaussianMixtureFit.Fit(codes, count, 2, 2, 1, "codes"), heldOut, heldOutCount);

        Assert.True(two > one + 1, $"two components {two:F3}, one {one:F3} nats per code");
    }

    [Fact]
    public async Task FitPriorWritesAPriorToABundledModelsCopyLeavingTheRestOfModelJsonAsItWas()
    {
        foreach (var file in new[] { ModelManifest.FileName, ModelManifest.EncoderFileName, ModelManifest.DecoderFileName })
        {
            File.Copy(Path.Combine(TestData.RepositoryRoot, "models", "mnist", file), temp.File(file));
        }

        var original = ModelManifest.Load(temp.File(ModelManifest.FileName));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CommandLine.RunAsync(
            ["fit-prior", "--model", temp.Path, "--data", TestData.Mnist, "--components", "1,2", "--threads", "1"], output, error, CancellationToken.None);

        Assert.True(exitCode == 0, error.ToString());
        Assert.Contains("1 component(s): held-out log-likelihood", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("2 component(s): held-out log-likelihood", output.ToString(), StringComparison.Ordinal);
        var manifest = ModelManifest.Load(temp.File(ModelManifest.FileName));
        var prior = Assert.IsType<LatentPrior>(manifest.Prior);
        Assert.Equal(20, prior.LatentSize);
        Assert.Contains("10,000 training images of mnist", prior.FittedTo, StringComparison.Ordinal);
        Assert.All(new LatentSampler(prior).Sample(4, seed: 1, temperature: 1), value => Assert.True(float.IsFinite(value)));
        Assert.Equal(original.ToJson(), (manifest with { Prior = original.Prior }).ToJson());
    }

    private static (float[] Codes, int Count) TwoClusters(Random random, int first, int second)
    {
        var codes = new List<float>();
        for (var n = 0; n < first + second; n++)
        {
            var (x, y) = n < first ? (-5.0, 0.0) : (5.0, 3.0);
            codes.Add((float)(x + Normal(random)));
            codes.Add((float)(y + (0.5 * Normal(random))));
        }

        return ([.. codes], first + second);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
