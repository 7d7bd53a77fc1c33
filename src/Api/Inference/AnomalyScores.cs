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
            score.Score > threshold,
            [.. score.Terms.Select((term, index) => new NoveltyComponent(term.Name, term.Value, term.Normalised, scorer.Calibration.Terms[index].Weight))]);
    }

    public static AnomalyScore Score(ModelManifest manifest, double error, double threshold) =>
        new(error, Percentile(manifest, error), threshold, error > threshold);
}
