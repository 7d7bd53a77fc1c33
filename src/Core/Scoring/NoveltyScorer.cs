namespace Autoencoder.Core;

/// <summary>A scored image: the combined score, where it falls among the held-out normal images', and each term raw and normalised.</summary>
/// <param name="Score">The weighted sum of the normalised terms.</param>
/// <param name="Percentile">Share of the held-out normal images (in percent) whose score was lower.</param>
/// <param name="Terms">Each term, in the calibration's order.</param>
public sealed record NoveltyScore(double Score, double Percentile, IReadOnlyList<TermValue> Terms);

/// <summary>One term of a <see cref="NoveltyScore"/>: its raw value and its normalised one.</summary>
public sealed record TermValue(string Name, double Value, double Normalised);

/// <summary>
/// A model's novelty score from its <see cref="ScorerCalibration"/>: the terms of an image, its reconstruction and its
/// code, normalised and summed with the recorded weights. One instance per model; it holds no per-image state.
/// </summary>
public sealed class NoveltyScorer
{
    private readonly NoveltyTerms terms;

    public NoveltyScorer(ScorerCalibration calibration, ImageShape image, LatentPrior? prior, int? latentSize = null)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Problem(image, prior, latentSize) is { } problem)
        {
            throw new ArgumentException(problem, nameof(calibration));
        }

        Calibration = calibration;
        terms = new NoveltyTerms(image, prior, calibration.Joint);
    }

    public ScorerCalibration Calibration { get; }

    /// <summary>The scorer model.json describes, or null for a model without a <c>scorer</c>.</summary>
    public static NoveltyScorer? For(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Scorer is { } calibration ? new NoveltyScorer(calibration, manifest.Image, manifest.Prior, manifest.LatentSize) : null;
    }

    /// <summary>One image's score (pixels row-major, [0,1]), from its reconstruction and code.</summary>
    public NoveltyScore Score(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstruction, ReadOnlySpan<float> code)
    {
        var values = new TermValue[Calibration.Terms.Count];
        var score = 0.0;
        for (var index = 0; index < values.Length; index++)
        {
            var term = Calibration.Terms[index];
            var value = terms.Compute(term.Name, original, reconstruction, code);
            var normalised = term.Normalise(value);
            values[index] = new TermValue(term.Name, value, normalised);
            score += term.Weight * normalised;
        }

        return new NoveltyScore(score, Percentiles.Rank(Calibration.Percentiles, score), values);
    }

    /// <summary>The weighted sum of already computed term values, given in the calibration's order.</summary>
    public double Combine(ReadOnlySpan<double> values) => Combine(Calibration.Terms, values);

    /// <summary>The weighted sum of <paramref name="values"/> normalised as <paramref name="scoreTerms"/> say, one value per term.</summary>
    public static double Combine(IReadOnlyList<ScoreTerm> scoreTerms, ReadOnlySpan<double> values)
    {
        ArgumentNullException.ThrowIfNull(scoreTerms);
        if (values.Length != scoreTerms.Count)
        {
            throw new ArgumentException($"{values.Length} values for {scoreTerms.Count} terms", nameof(values));
        }

        var score = 0.0;
        for (var index = 0; index < values.Length; index++)
        {
            score += scoreTerms[index].Weight * scoreTerms[index].Normalise(values[index]);
        }

        return score;
    }

    /// <summary>
    /// Each of <paramref name="names"/> for <paramref name="count"/> images: originals and reconstructions [count, pixels],
    /// codes [count, latent], all row-major. Result: one array per name, one value per image.
    /// </summary>
    public static double[][] ComputeTerms(NoveltyTerms terms, IReadOnlyList<string> names, ReadOnlySpan<float> originals, ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> codes, int count)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(names);
        if (count <= 0 || originals.Length % count != 0 || codes.Length % count != 0 || reconstructions.Length != originals.Length)
        {
            throw new ArgumentException($"{originals.Length} pixels, {reconstructions.Length} reconstructed and {codes.Length} code numbers are not {count} images");
        }

        var pixels = originals.Length / count;
        var latent = codes.Length / count;
        var values = names.Select(_ => new double[count]).ToArray();
        for (var image = 0; image < count; image++)
        {
            var original = originals.Slice(image * pixels, pixels);
            var reconstruction = reconstructions.Slice(image * pixels, pixels);
            var code = codes.Slice(image * latent, latent);
            for (var index = 0; index < names.Count; index++)
            {
                values[index][image] = terms.Compute(names[index], original, reconstruction, code);
            }
        }

        return values;
    }

    /// <summary>
    /// Calibrates a score on held-out normal images: each term's median and interquartile range over
    /// <paramref name="values"/> (one array per term, one value per image), the given weights, and the combined score's
    /// percentiles over the same images.
    /// </summary>
    public static ScorerCalibration Calibrate(string split, IReadOnlyList<(string Name, double Weight)> weights, IReadOnlyList<double[]> values)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(values);
        if (weights.Count == 0 || values.Count != weights.Count || values.Any(column => column.Length != values[0].Length) || values[0].Length == 0)
        {
            throw new ArgumentException("one non-empty column of values, all of the same length, for each term");
        }

        var scoreTerms = new ScoreTerm[weights.Count];
        for (var index = 0; index < weights.Count; index++)
        {
            double[] sorted = [.. values[index].Order()];
            var median = Percentiles.Of(sorted, 50);
            var spread = Percentiles.Of(sorted, 75) - Percentiles.Of(sorted, 25);
            scoreTerms[index] = new ScoreTerm(weights[index].Name, weights[index].Weight, median, Spread(spread, sorted, median));
        }

        var images = values[0].Length;
        var combined = new double[images];
        Span<double> row = stackalloc double[weights.Count];
        for (var image = 0; image < images; image++)
        {
            for (var index = 0; index < weights.Count; index++)
            {
                row[index] = values[index][image];
            }

            combined[image] = Combine(scoreTerms, row);
        }

        return new ScorerCalibration(split, images, scoreTerms, Percentiles.All(combined));
    }

    /// <summary>
    /// The interquartile range, or when half the images or more share one value (a range of 0), the mean absolute
    /// deviation from the median, or else 1: a spread of 0 would make the term infinite for every other value.
    /// </summary>
    private static double Spread(double interquartileRange, double[] sorted, double median)
    {
        if (interquartileRange > 0 && double.IsFinite(interquartileRange))
        {
            return interquartileRange;
        }

        var deviation = sorted.Average(value => Math.Abs(value - median));
        return deviation > 0 && double.IsFinite(deviation) ? deviation : 1;
    }
}
