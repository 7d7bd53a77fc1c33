using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Tests.Evaluation;

/// <summary>The Fréchet distance against the closed forms for Gaussians, and on sample sets.</summary>
public sealed class FrechetDistanceTests
{
    [Fact]
    public void ASetIsAtDistanceZeroFromItself()
    {
        var features = CorrelatedFeatures(count: 600, size: 12, seed: 4);

        var statistics = FeatureStatistics.Of(features, 600, 12);

        Assert.Equal(0, FrechetDistance.Between(statistics, statistics), 9);
        Assert.Equal(0, FrechetDistance.Between(statistics, FeatureStatistics.Of([.. features], 600, 12)), 9);
    }

    [Theory]
    [InlineData(3.0, 0.5, -1.0, 2.0)]
    [InlineData(0.0, 1.0, 0.0, 1.0)]
    [InlineData(-2.5, 3.0, 1.5, 0.1)]
    public void OneDimensionalGaussiansAreTheirMeansGapSquaredPlusTheirSpreadsGapSquared(double firstMean, double firstSpread, double secondMean, double secondSpread)
    {
        var first = new FeatureStatistics(2, [firstMean], [firstSpread * firstSpread]);
        var second = new FeatureStatistics(2, [secondMean], [secondSpread * secondSpread]);

        var expected = Math.Pow(firstMean - secondMean, 2) + Math.Pow(firstSpread - secondSpread, 2);
        Assert.Equal(expected, FrechetDistance.Between(first, second), 9);
    }

    [Fact]
    public void DiagonalGaussiansAddUpTheirDimensions()
    {
        double[] firstMean = [1, 2, -3], secondMean = [0, 0.5, -1];
        double[] firstSpread = [2, 3, 0.5], secondSpread = [1, 4, 0.5];
        var first = new FeatureStatistics(2, firstMean, Diagonal(firstSpread));
        var second = new FeatureStatistics(2, secondMean, Diagonal(secondSpread));

        var expected = Enumerable.Range(0, 3).Sum(i => Math.Pow(firstMean[i] - secondMean[i], 2) + Math.Pow(firstSpread[i] - secondSpread[i], 2));
        Assert.Equal(expected, FrechetDistance.Between(first, second), 9);
        Assert.Equal(expected, FrechetDistance.Between(second, first), 9);
    }

    [Fact]
    public void AgainstTheIdentityACovarianceCountsEachEigenvalueThroughItsRoot()
    {
        // Tr(I + S - 2 S^½) = Σ (1 - √λ)² for S's eigenvalues λ, also when S is not diagonal: here diag(4, 0.25)
        // turned by 30 degrees, so S^½ has off-diagonal terms a diagonal-only computation would miss.
        var (cos, sin) = (Math.Cos(Math.PI / 6), Math.Sin(Math.PI / 6));
        double[] eigenvalues = [4, 0.25];
        double[] turned =
        [
            (eigenvalues[0] * cos * cos) + (eigenvalues[1] * sin * sin), (eigenvalues[0] - eigenvalues[1]) * cos * sin,
            (eigenvalues[0] - eigenvalues[1]) * cos * sin, (eigenvalues[0] * sin * sin) + (eigenvalues[1] * cos * cos),
        ];
        var identity = new FeatureStatistics(2, [0, 0], Diagonal([1, 1]));
        var rotated = new FeatureStatistics(2, [0, 0], turned);

        var expected = eigenvalues.Sum(value => Math.Pow(1 - Math.Sqrt(value), 2));
        Assert.Equal(expected, FrechetDistance.Between(identity, rotated), 9);
        Assert.Equal(expected, FrechetDistance.Between(rotated, identity), 9);
    }

    [Fact]
    public void ShiftingEverySampleAddsTheShiftSquaredAndGrowsWithIt()
    {
        const int Count = 500, Size = 8;
        var features = CorrelatedFeatures(Count, Size, seed: 9);
        var reference = FeatureStatistics.Of(features, Count, Size);

        double Shifted(float step)
        {
            float[] moved = [.. features.Select((value, index) => value + (step * ((index % Size) + 1)))];
            return FrechetDistance.Between(FeatureStatistics.Of(moved, Count, Size), reference);
        }

        // The covariance does not move with the samples: the distance is the shift's squared length alone.
        var squaredLength = Enumerable.Range(1, Size).Sum(i => (double)i * i);
        Assert.Equal(0.01 * squaredLength, Shifted(0.1f), 3);
        Assert.Equal(0.25 * squaredLength, Shifted(0.5f), 3);
        Assert.True(Shifted(0.1f) < Shifted(0.5f) && Shifted(0.5f) < Shifted(1f));
    }

    [Fact]
    public void SamplesOfTwoGaussiansComeCloseToTheirClosedForm()
    {
        const int Count = 20_000;
        var random = new Random(11);
        float[] Draw(double mean, double spread) => [.. Enumerable.Range(0, Count).Select(_ => (float)(mean + (spread * Normal(random))))];

        var distance = FrechetDistance.Between(FeatureStatistics.Of(Draw(1, 2), Count, 1), FeatureStatistics.Of(Draw(-1, 0.5), Count, 1));

        Assert.InRange(distance, (4 + 2.25) * 0.97, (4 + 2.25) * 1.03);
    }

    private static double[] Diagonal(double[] spreads)
    {
        var covariance = new double[spreads.Length * spreads.Length];
        for (var i = 0; i < spreads.Length; i++)
        {
            covariance[(i * spreads.Length) + i] = spreads[i] * spreads[i];
        }

        return covariance;
    }

    /// <summary>Seeded features whose dimensions are correlated (each mixes its neighbour's draw in), as a network's are.</summary>
    private static float[] CorrelatedFeatures(int count, int size, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * size];
        for (var row = 0; row < count; row++)
        {
            var previous = 0.0;
            for (var column = 0; column < size; column++)
            {
                var draw = Normal(random);
                features[(row * size) + column] = (float)(draw + (0.6 * previous) + column);
                previous = draw;
            }
        }

        return features;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
