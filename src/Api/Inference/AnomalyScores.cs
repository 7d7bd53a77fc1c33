using Autoencoder.Api.Errors;
using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>An image's reconstruction error placed among the model's validation images', and the verdict.</summary>
/// <param name="MeanSquaredError">Mean squared error per pixel between the model's input and its reconstruction, [0,1] units.</param>
/// <param name="Percentile">Share of validation images (in percent) whose error was lower; null for a model without that distribution.</param>
/// <param name="Threshold">The error above which an image counts as unusual.</param>
/// <param name="Unusual">Whether the error is above the threshold.</param>
public sealed record AnomalyScore(double MeanSquaredError, double? Percentile, double Threshold, bool Unusual);

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
    public static double? Percentile(ModelManifest manifest, double error)
    {
        if (manifest.ReconstructionErrors is not { Percentiles: var percentiles })
        {
            return null;
        }

        if (error <= percentiles[0])
        {
            return 0;
        }

        for (var p = 1; p < percentiles.Count; p++)
        {
            if (error < percentiles[p])
            {
                var span = percentiles[p] - percentiles[p - 1];
                return p - 1 + (span > 0 ? (error - percentiles[p - 1]) / span : 0);
            }
        }

        return 100;
    }

    public static AnomalyScore Score(ModelManifest manifest, double error, double threshold) =>
        new(error, Percentile(manifest, error), threshold, error > threshold);
}
