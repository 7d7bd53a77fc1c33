using Autoencoder.Core;

namespace Autoencoder.Training.Evaluation;

/// <summary>Per-image reconstruction error and where an error falls in a distribution of them.</summary>
internal static class ImageErrors
{
    /// <summary>Mean squared error of each image ([0,1] units), images [count, pixels] row-major.</summary>
    public static double[] PerImage(ReadOnlySpan<float> originals, ReadOnlySpan<float> reconstructions, int pixelsPerImage)
    {
        if (originals.Length != reconstructions.Length || originals.Length % pixelsPerImage != 0)
        {
            throw new ArgumentException($"{originals.Length} original and {reconstructions.Length} reconstructed pixels are not whole images of {pixelsPerImage}");
        }

        var errors = new double[originals.Length / pixelsPerImage];
        for (var image = 0; image < errors.Length; image++)
        {
            errors[image] = PixelValues.MeanSquaredError(originals.Slice(image * pixelsPerImage, pixelsPerImage), reconstructions.Slice(image * pixelsPerImage, pixelsPerImage));
        }

        return errors;
    }

    /// <summary>The p-th percentile (0..100) of sorted values, as <see cref="Percentiles.Of"/> defines it.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) => Percentiles.Of(sorted, p);

    /// <summary>The distribution model.json records: mean and the 0th..100th percentiles.</summary>
    public static ReconstructionErrors Summarise(string split, IReadOnlyCollection<double> errors)
    {
        double[] sorted = [.. errors.Order()];
        return new ReconstructionErrors(split, sorted.Length, sorted.Average(), [.. Enumerable.Range(0, ReconstructionErrors.PercentileCount).Select(p => Percentile(sorted, p))]);
    }

    /// <summary>
    /// Area under the ROC curve of <paramref name="scores"/> as a detector of the positives: the chance that a random
    /// positive scores above a random negative, ties counted half. Exact, from the Mann-Whitney rank sum.
    /// </summary>
    public static double RocAuc(IReadOnlyList<double> negatives, IReadOnlyList<double> positives)
    {
        if (negatives.Count == 0 || positives.Count == 0)
        {
            throw new ArgumentException("both classes need at least one score");
        }

        var all = negatives.Select(score => (Score: score, Positive: false))
            .Concat(positives.Select(score => (Score: score, Positive: true)))
            .OrderBy(item => item.Score)
            .ToArray();
        if (all.Any(item => double.IsNaN(item.Score)))
        {
            throw new ArgumentException("a score is NaN");
        }

        var positiveRankSum = 0.0;
        for (var start = 0; start < all.Length;)
        {
            var end = start;
            while (end + 1 < all.Length && all[end + 1].Score == all[start].Score)
            {
                end++;
            }

            var averageRank = ((start + end) / 2.0) + 1; // tied scores share the mean of their 1-based ranks
            for (var i = start; i <= end; i++)
            {
                if (all[i].Positive)
                {
                    positiveRankSum += averageRank;
                }
            }

            start = end + 1;
        }

        double n = positives.Count;
        return (positiveRankSum - (n * (n + 1) / 2)) / (n * negatives.Count);
    }
}
