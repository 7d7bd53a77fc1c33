namespace Autoencoder.Core;

/// <summary>
/// The 0th to 100th percentiles of a distribution, as model.json records them (101 numbers), and where a value falls
/// among them: the one definition the trainer writes and every reader of model.json uses.
/// </summary>
public static class Percentiles
{
    public const int Count = 101;

    /// <summary>
    /// The p-th percentile (0..100) of sorted values with linear interpolation between the closest ranks (numpy's
    /// default), so the 0th is the smallest value and the 100th the largest.
    /// </summary>
    public static double Of(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }

        var position = p / 100.0 * (sorted.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>The 0th..100th percentiles of <paramref name="values"/> (in any order).</summary>
    public static double[] All(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return [.. Enumerable.Range(0, Count).Select(p => Of(sorted, p))];
    }

    /// <summary>Where <paramref name="value"/> falls among recorded 0th..100th percentiles, 0 to 100, linear between them.</summary>
    public static double Rank(IReadOnlyList<double> percentiles, double value)
    {
        if (value <= percentiles[0])
        {
            return 0;
        }

        for (var p = 1; p < percentiles.Count; p++)
        {
            if (value < percentiles[p])
            {
                var span = percentiles[p] - percentiles[p - 1];
                return p - 1 + (span > 0 ? (value - percentiles[p - 1]) / span : 0);
            }
        }

        return percentiles.Count - 1;
    }
}
