namespace Autoencoder.Core;

/// <summary>
/// model.json's <c>scorer</c>: how to combine the <see cref="NoveltyTerms"/> into one novelty score, measured on
/// held-out normal images. Each term is normalised by its distribution there, (value − median) / interquartile range,
/// so terms of different units add up; the score is the weighted sum, and its 0th..100th percentiles on those same
/// images say where a new image's score falls. Optional: a model without it is scored by reconstruction error alone.
/// </summary>
/// <param name="Split">Which images calibrated it ("validation": held out of the training images, never the test split).</param>
/// <param name="Images">How many.</param>
/// <param name="Terms">The terms, their weights and normalisations, in the order the score adds them.</param>
/// <param name="Percentiles">The combined score's 0th..100th percentiles on those images (101 numbers).</param>
public sealed record ScorerCalibration(string Split, int Images, IReadOnlyList<ScoreTerm> Terms, IReadOnlyList<double> Percentiles)
{
    /// <summary>The density the <c>joint</c> term is measured under; null when the scorer has no such term (every model.json before it).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public JointDensity? Joint { get; init; }

    /// <summary>Which percentile is the default anomaly threshold: one normal held-out image in a hundred is above it.</summary>
    public const int DefaultThresholdPercentile = 99;

    /// <summary>The combined score above which an image is unusual unless a caller says otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double DefaultThreshold => Percentiles[DefaultThresholdPercentile];

    /// <summary>
    /// What is wrong with this calibration for a model of <paramref name="image"/> with <paramref name="prior"/> and codes
    /// of <paramref name="latentSize"/> numbers (null: the prior's, if any), or null.
    /// </summary>
    public string? Problem(ImageShape image, LatentPrior? prior, int? latentSize = null)
    {
        if (Percentiles is not { Count: Core.Percentiles.Count } || Percentiles.Any(value => !double.IsFinite(value)))
        {
            return $"scorer.percentiles must hold the 0th to 100th percentiles (101 finite numbers), not {Percentiles?.Count ?? 0}";
        }

        if (Terms is not { Count: > 0 })
        {
            return "scorer.terms must hold at least one term";
        }

        if (Joint?.Problem(latentSize ?? prior?.LatentSize) is { } jointProblem)
        {
            return jointProblem;
        }

        var available = new NoveltyTerms(image, prior, Joint);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < Terms.Count; index++)
        {
            var term = Terms[index];
            var where = $"scorer.terms[{index}]";
            if (term is null || available.Problem(term.Name) is { } problem)
            {
                return $"{where}: {(term is null ? "missing" : available.Problem(term.Name))}";
            }

            if (!names.Add(term.Name))
            {
                return $"{where}: '{term.Name}' is listed twice";
            }

            if (!double.IsFinite(term.Weight) || term.Weight < 0 || !double.IsFinite(term.Median) || !(term.Spread > 0) || !double.IsFinite(term.Spread))
            {
                return $"{where}: weight must be a finite number >= 0, median finite and spread a finite number > 0";
            }
        }

        return Terms.Any(term => term.Weight > 0) ? null : "scorer.terms: at least one weight must be above 0";
    }
}

/// <summary>One term of the score: its name (see <see cref="NoveltyTerms"/>), weight, and the median and interquartile range (spread) it is normalised by.</summary>
public sealed record ScoreTerm(string Name, double Weight, double Median, double Spread)
{
    /// <summary>(value − median) / spread: 0 for a typical normal image, about 1 a typical normal spread above it.</summary>
    public double Normalise(double value) => (value - Median) / Spread;
}
