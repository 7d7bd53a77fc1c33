using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

/// <summary>Normalising, combining and calibrating the novelty score.</summary>
public sealed class NoveltyScorerTests
{
    private static readonly ImageShape Shape = new(1, 28, 28);

    [Fact]
    public void EachTermIsNormalisedByItsMedianAndInterquartileRangeOnTheHeldOutImages()
    {
        // 1..5: median 3, 25th percentile 2, 75th 4, so a spread of 2.
        var calibration = NoveltyScorer.Calibrate("validation", [("mse", 1)], [[5, 1, 4, 2, 3]]);

        var term = Assert.Single(calibration.Terms);
        Assert.Equal(new ScoreTerm("mse", 1, 3, 2), term);
        Assert.Equal(0, term.Normalise(3));
        Assert.Equal(1, term.Normalise(5));
        Assert.Equal(-1, term.Normalise(1));
        Assert.Equal("validation", calibration.Split);
        Assert.Equal(5, calibration.Images);
    }

    [Fact]
    public void TheScoreIsTheWeightedSumOfTheNormalisedTermsAndItsPercentilesAreOfTheSameImages()
    {
        double[] mse = [1, 2, 3, 4, 5];
        double[] prior = [10, 30, 20, 50, 40];

        var calibration = NoveltyScorer.Calibrate("validation", [("mse", 1), ("prior", 0.5)], [mse, prior]);

        // prior: median 30, spread 40 - 20 = 20. Image 4: (4 - 3) / 2 + 0.5 * (50 - 30) / 20 = 1.
        Assert.Equal(1, NoveltyScorer.Combine(calibration.Terms, [4, 50]), 12);
        double[] scores = [.. Enumerable.Range(0, 5).Select(i => NoveltyScorer.Combine(calibration.Terms, [mse[i], prior[i]]))];
        Assert.Equal(Percentiles.All(scores), calibration.Percentiles);
        Assert.Equal(scores.Min(), calibration.Percentiles[0]);
        Assert.Equal(scores.Max(), calibration.Percentiles[100]);
    }

    [Fact]
    public void ATermWhoseValuesMostlyTieIsNotDividedByZero()
    {
        var calibration = NoveltyScorer.Calibrate("validation", [("mse", 1), ("local", 1)], [[0, 0, 0, 0, 4], [2, 2, 2, 2, 2]]);

        Assert.Equal(0.8, calibration.Terms[0].Spread, 12);
        Assert.Equal(1, calibration.Terms[1].Spread);
        Assert.All(calibration.Percentiles, value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void AnImageIsScoredTermByTermAndPlacedAmongTheHeldOutScores()
    {
        var prior = LatentPrior.StandardNormal(2);
        var calibration = new ScorerCalibration(
            "validation",
            100,
            [new ScoreTerm(NoveltyTerms.MeanSquaredError, 1, 0.01, 0.01), new ScoreTerm(NoveltyTerms.Prior, 2, 3, 1)],
            [.. Enumerable.Range(0, 101).Select(p => (p - 50) / 10.0)]);
        var scorer = new NoveltyScorer(calibration, Shape, prior);
        var original = new float[Shape.PixelCount];
        var reconstruction = Enumerable.Repeat(0.2f, Shape.PixelCount).ToArray();

        var score = scorer.Score(original, reconstruction, [0, 0]);

        var mse = 0.2 * 0.2;
        var negativeLogDensity = Math.Log(2 * Math.PI);
        Assert.Equal(mse, score.Terms[0].Value, 6);
        Assert.Equal((mse - 0.01) / 0.01, score.Terms[0].Normalised, 4);
        Assert.Equal(negativeLogDensity, score.Terms[1].Value, 12);
        Assert.Equal(((mse - 0.01) / 0.01) + (2 * (negativeLogDensity - 3)), score.Score, 4);
        Assert.Equal(50 + (score.Score * 10), score.Percentile, 4);
    }

    [Fact]
    public void ACalibrationThatCannotScoreThisModelSaysWhy()
    {
        var percentiles = Enumerable.Range(0, 101).Select(p => (double)p).ToArray();
        ScorerCalibration With(params ScoreTerm[] terms) => new("validation", 10, terms, percentiles);

        Assert.Null(With(new ScoreTerm("mse", 1, 0, 1)).Problem(Shape, prior: null));
        Assert.Contains("needs the model's prior", With(new ScoreTerm("prior", 1, 0, 1)).Problem(Shape, prior: null), StringComparison.Ordinal);
        Assert.Contains("listed twice", With(new ScoreTerm("mse", 1, 0, 1), new ScoreTerm("mse", 1, 0, 1)).Problem(Shape, null), StringComparison.Ordinal);
        Assert.Contains("spread", With(new ScoreTerm("mse", 1, 0, 0)).Problem(Shape, null), StringComparison.Ordinal);
        Assert.Contains("at least one weight", With(new ScoreTerm("mse", 0, 0, 1)).Problem(Shape, null), StringComparison.Ordinal);
        Assert.Contains("101", (With(new ScoreTerm("mse", 1, 0, 1)) with { Percentiles = [1, 2] }).Problem(Shape, null), StringComparison.Ordinal);
    }

    [Fact]
    public void PercentileRankInterpolatesBetweenRecordedPercentilesAndClampsOutside()
    {
        var percentiles = Enumerable.Range(0, 101).Select(p => p * 2.0).ToArray();

        Assert.Equal(0, Percentiles.Rank(percentiles, -5));
        Assert.Equal(25.5, Percentiles.Rank(percentiles, 51), 12);
        Assert.Equal(100, Percentiles.Rank(percentiles, 500));
    }
}
