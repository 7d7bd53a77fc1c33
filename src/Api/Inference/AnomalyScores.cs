using Autoencoder.Api.Errors;
using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>An image's reconstruction error placed among the model's validation images', and the verdict.</summary>
/// <param name="MeanSquaredError">Mean squared error per pixel between the model's input and its reconstruction, [0,1] units.</param>
/// <param name="Percentile">Share of validation images (in percent) whose error was lower; null for a model without that distribution.</param>
/// <param name="Threshold">The error above which an image counts as unusual.</param>
/// <param name="Unusual">Whether the error is above the threshold.</param>
public sealed record AnomalyScore(double MeanSquaredError, double? Percentile, double Threshold, bool Unusual);

/// <summary>An image's novelty score from the model's scorer: the combined score, where it falls among the held-out normal images', and the verdict.</summary>
/// <param name="Score">The weighted sum of the normalised components.</param>
/// <param name="Percentile">Share of the held-out normal images (percent) that scored lower.</param>
/// <param name="Threshold">The score above which an image is an anomaly: the held-out images' 99th percentile.</param>
/// <param name="IsAnomaly">Whether the score is above the threshold.</param>
/// <param name="Components">Each term: its raw value, its value normalised by the held-out images' median and interquartile range, and its weight.</param>
public sealed record NoveltyVerdict(double Score, double Percentile, double Threshold, bool IsAnomaly, IReadOnlyList<NoveltyComponent> Components);

/// <summary>One term of a <see cref="NoveltyVerdict"/>.</summary>
/// <param name="Name">mse, structural (1 − SSIM), local (the worst 7x7 window's squared error) or prior (the code's negative log-density).</param>
/// <param name="Value">The raw value.</param>
/// <param name="Normalised">(value − median) / interquartile range on the held-out normal images.</param>
/// <param name="Weight">Its weight in the score (0: reported, not counted).</param>
public sealed record NoveltyComponent(string Name, double Value, double Normalised, double Weight);

/// <summary>
/// Every image's novelty verdict for an IDX file, one array per field in file order, as the bulk answer lays out its
/// other per-image fields.
/// </summary>
/// <param name="Threshold">The score above which an image is an anomaly: the held-out images' 99th percentile.</param>
/// <param name="AnomalyCount">How many images are above the threshold.</param>
/// <param name="Scores">Each image's combined score, raw (not capped as a percentile is): what an ROC curve is drawn from.</param>
/// <param name="Percentiles">Each score's percentile among the held-out normal images' scores.</param>
/// <param name="IsAnomaly">Each image's verdict.</param>
/// <param name="Components">Each term, with every image's raw and normalised value.</param>
public sealed record BulkNoveltyVerdict(
    double Threshold, int AnomalyCount, double[] Scores, double[] Percentiles, bool[] IsAnomaly, IReadOnlyList<BulkNoveltyComponent> Components);

/// <summary>One term of a <see cref="BulkNoveltyVerdict"/>.</summary>
/// <param name="Name">As <see cref="NoveltyComponent.Name"/>.</param>
/// <param name="Weight">Its weight in the score (0: reported, not counted).</param>
/// <param name="Values">Each image's raw value.</param>
/// <param name="Normalised">Each image's normalised value.</param>
public sealed record BulkNoveltyComponent(string Name, double Weight, double[] Values, double[] Normalised);

/// <summary>
/// The novelty of an IDX file's images, scored a window at a time as the windows stream by and kept only as the
/// numbers the answer gives (bulk /score reserves their size before it starts).
/// </summary>
public sealed class BulkNovelty
{
    private readonly NoveltyScorer scorer;
    private readonly double[] scores;
    private readonly double[] percentiles;
    private readonly double[][] values;
    private readonly double[][] normalised;
    private int scored;

    public BulkNovelty(NoveltyScorer scorer, int count)
    {
        this.scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        scores = new double[count];
        percentiles = new double[count];
        values = [.. scorer.Calibration.Terms.Select(_ => new double[count])];
        normalised = [.. scorer.Calibration.Terms.Select(_ => new double[count])];
    }

    /// <summary>
    /// Scores the window's images (row-major, as <see cref="ReconstructedWindow"/> has them), the next ones in file
    /// order, on the request's own thread: a request holds one inference slot, so it takes one core's time, as its
    /// model runs do.
    /// </summary>
    public void Add(ReconstructedWindow window, int pixels, int latentSize, CancellationToken cancellationToken)
    {
        var start = scored;
        for (var row = 0; row < window.Rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var score = scorer.Score(
                window.Input.AsSpan(row * pixels, pixels), window.Output.AsSpan(row * pixels, pixels), window.Latents.AsSpan(row * latentSize, latentSize));
            var image = start + row;
            scores[image] = score.Score;
            percentiles[image] = score.Percentile;
            for (var term = 0; term < score.Terms.Count; term++)
            {
                values[term][image] = score.Terms[term].Value;
                normalised[term][image] = score.Terms[term].Normalised;
            }
        }

        scored += window.Rows;
    }

    /// <summary>The verdicts, once every image has been scored.</summary>
    public BulkNoveltyVerdict ToVerdict()
    {
        if (scored != scores.Length)
        {
            throw new InvalidOperationException($"{scored} of {scores.Length} images scored");
        }

        var threshold = scorer.Calibration.DefaultThreshold;
        bool[] anomalies = [.. scores.Select(score => AnomalyScores.IsAnomaly(score, threshold))];
        return new BulkNoveltyVerdict(
            threshold,
            anomalies.Count(anomaly => anomaly),
            scores,
            percentiles,
            anomalies,
            [.. scorer.Calibration.Terms.Select((term, index) => new BulkNoveltyComponent(term.Name, term.Weight, values[index], normalised[index]))]);
    }
}

/// <summary>
/// Reconstruction error as a measure of how unlike its training data an image is: the error's percentile among the
/// held-out validation images (model.json's reconstructionErrors), and a threshold, by default their 99th percentile.
/// </summary>
public static class AnomalyScores
{
    /// <summary>
    /// The threshold a request asked for, or the model's default (its validation errors' 99th percentile); a model
    /// that records no validation errors needs one asked for.
    /// </summary>
    public static double Threshold(ModelManifest manifest, double? requested) =>
        requested
        ?? manifest.ReconstructionErrors?.DefaultThreshold
        ?? throw ClientInputException.Invalid($"Model '{manifest.Name}' records no validation errors to take a default threshold from; pass '?threshold='.");

    /// <summary>Where <paramref name="error"/> falls among the validation errors, 0 to 100, linear between recorded percentiles.</summary>
    public static double? Percentile(ModelManifest manifest, double error) =>
        manifest.ReconstructionErrors is { } errors ? Percentiles.Rank(errors.Percentiles, error) : null;

    /// <summary>The novelty verdict of a model with a scorer for an input, its reconstruction and its code; null for a model without one.</summary>
    public static NoveltyVerdict? Novelty(NoveltyScorer? scorer, Reconstruction reconstruction)
    {
        if (scorer is null)
        {
            return null;
        }

        var score = scorer.Score(reconstruction.Input, reconstruction.Image, reconstruction.Latent);
        var threshold = scorer.Calibration.DefaultThreshold;
        return new NoveltyVerdict(
            score.Score,
            score.Percentile,
            threshold,
            IsAnomaly(score.Score, threshold),
            [.. score.Terms.Select((term, index) => new NoveltyComponent(term.Name, term.Value, term.Normalised, scorer.Calibration.Terms[index].Weight))]);
    }

    /// <summary>The one verdict of a novelty score, for one image and for a file's: above the threshold.</summary>
    public static bool IsAnomaly(double score, double threshold) => score > threshold;

    public static AnomalyScore Score(ModelManifest manifest, double error, double threshold) =>
        new(error, Percentile(manifest, error), threshold, error > threshold);
}
