using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Tests.Evaluation;

public sealed class ImageErrorsTests
{
    [Fact]
    public void RocAucIsOneWhenEveryPositiveScoresAboveEveryNegative()
    {
        Assert.Equal(1.0, ImageErrors.RocAuc(negatives: [0.1, 0.2, 0.3], positives: [0.4, 0.5]));
    }

    [Fact]
    public void RocAucIsZeroWhenEveryPositiveScoresBelowEveryNegative()
    {
        Assert.Equal(0.0, ImageErrors.RocAuc(negatives: [0.4, 0.5], positives: [0.1, 0.2, 0.3]));
    }

    [Fact]
    public void RocAucCountsTheShareOfPairsInOrder()
    {
        // Pairs (positive, negative) in order: 0.35 beats 0.1 and 0.3; 0.6 beats all three; 0.05 beats none: 5 of 9.
        var auc = ImageErrors.RocAuc(negatives: [0.1, 0.3, 0.5], positives: [0.35, 0.6, 0.05]);

        Assert.Equal(5.0 / 9.0, auc, precision: 12);
    }

    [Fact]
    public void RocAucCountsTiesHalf()
    {
        // Every pair ties: chance level.
        Assert.Equal(0.5, ImageErrors.RocAuc(negatives: [1.0, 1.0], positives: [1.0, 1.0, 1.0]));

        // Positive 0.2 ties one negative 0.2 (half) and beats 0.1 (one); positive 0.3 beats both: 3.5 of 4.
        Assert.Equal(3.5 / 4.0, ImageErrors.RocAuc(negatives: [0.1, 0.2], positives: [0.2, 0.3]), precision: 12);
    }

    [Fact]
    public void RocAucMatchesCountingEveryPairOnRandomScoresWithTies()
    {
        var random = new Random(7);
        double[] negatives = [.. Enumerable.Range(0, 300).Select(_ => (double)random.Next(0, 40))];
        double[] positives = [.. Enumerable.Range(0, 200).Select(_ => (double)random.Next(10, 50))];
        var pairs = 0.0;
        foreach (var positive in positives)
        {
            foreach (var negative in negatives)
            {
                pairs += positive > negative ? 1 : positive == negative ? 0.5 : 0;
            }
        }

        Assert.Equal(pairs / (positives.Length * negatives.Length), ImageErrors.RocAuc(negatives, positives), precision: 12);
    }

    [Fact]
    public void PercentilesInterpolateBetweenRanksFromSmallestToLargest()
    {
        double[] sorted = [1, 2, 3, 4, 11];

        Assert.Equal(1, ImageErrors.Percentile(sorted, 0));
        Assert.Equal(3, ImageErrors.Percentile(sorted, 50));
        Assert.Equal(7.5, ImageErrors.Percentile(sorted, 87.5), precision: 12);
        Assert.Equal(11, ImageErrors.Percentile(sorted, 100));
    }

    [Fact]
    public void SummaryHasTheMeanAnd101Percentiles()
    {
        var summary = ImageErrors.Summarise("test", [0.4, 0.1, 0.3, 0.2]);

        Assert.Equal(("test", 4), (summary.Split, summary.Images));
        Assert.Equal(0.25, summary.Mean, precision: 12);
        Assert.Equal(101, summary.Percentiles.Count);
        Assert.Equal(0.1, summary.Percentiles[0]);
        Assert.Equal(0.4, summary.Percentiles[100]);
        Assert.Equal(0.25, summary.Percentiles[50], precision: 12);
    }

    [Fact]
    public void PerImageErrorIsTheMeanSquaredDifferenceOfEachImage()
    {
        float[] originals = [0, 0, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f];
        float[] reconstructions = [0, 0, 1, 0, 0.5f, 0.5f, 0.5f, 0.5f];

        Assert.Equal([0.25, 0.0], ImageErrors.PerImage(originals, reconstructions, pixelsPerImage: 4));
    }
}
