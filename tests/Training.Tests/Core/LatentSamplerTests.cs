using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

public sealed class LatentSamplerTests
{
    private static readonly LatentPrior TwoBlobs = TestPriors.TwoBlobs;

    [Fact]
    public void TheSameSeedGivesTheSameCodesAndAnotherSeedOthers()
    {
        var sampler = new LatentSampler(TwoBlobs);

        Assert.Equal(sampler.Sample(50, 7, 1), new LatentSampler(TwoBlobs).Sample(50, 7, 1));
        Assert.NotEqual(sampler.Sample(50, 7, 1), sampler.Sample(50, 8, 1));
    }

    [Fact]
    public void SamplesFollowEachComponentsWeightMeanAndCovariance()
    {
        const int Count = 40_000;
        var codes = new LatentSampler(TwoBlobs).Sample(Count, 3, 1);
        var left = Enumerable.Range(0, Count).Where(i => codes[2 * i] < 0).Select(i => (X: (double)codes[2 * i], Y: (double)codes[(2 * i) + 1])).ToList();

        Assert.InRange(left.Count / (double)Count, 0.24, 0.26);
        var meanX = left.Average(p => p.X);
        var meanY = left.Average(p => p.Y);
        Assert.InRange(meanX, -4.05, -3.95);
        Assert.InRange(meanY, -0.05, 0.05);
        Assert.InRange(left.Average(p => (p.X - meanX) * (p.Y - meanY)), 0.45, 0.55);
        Assert.InRange(left.Average(p => (p.Y - meanY) * (p.Y - meanY)), 0.95, 1.05);
    }

    [Fact]
    public void TemperatureScalesTheSpreadAndZeroGivesTheComponentMeans()
    {
        var sampler = new LatentSampler(LatentPrior.StandardNormal(3));

        var cold = sampler.Sample(10, 5, 0);
        var half = sampler.Sample(10, 5, 0.5);
        var full = sampler.Sample(10, 5, 1);

        Assert.All(cold, value => Assert.Equal(0f, value));
        Assert.Equal(full.Select(value => value / 2), half.Select(value => value), new ToleranceComparer(1e-6f));
        Assert.Contains(full, value => Math.Abs(value) > 0.1f);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ATemperatureThatIsNotAFiniteNumberAtLeastZeroIsRefused(double temperature) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatentSampler(LatentPrior.StandardNormal(2)).Sample(1, 1, temperature));

    [Fact]
    public void APriorWhoseWeightsDoNotSumToOneIsRefused()
    {
        var prior = TwoBlobs with { Components = [TwoBlobs.Components[0], TwoBlobs.Components[1] with { Weight = 0.5 }] };

        var error = Assert.Throws<ArgumentException>(() => new LatentSampler(prior));

        Assert.StartsWith("prior.components' weights must sum to 1", error.Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
