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
    /// The threshold a request asked for, as text (so that "abc" gets the same clear message as -1 or NaN), or the model's
    /// default; a 400 when there is neither or it is not a finite positive number.
    /// </summary>
    public static double Threshold(ModelManifest manifest, string? requested)
    {
        if (requested is not null)
        {
            return double.TryParse(requested, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && double.IsFinite(value) && value > 0
                ? value
                : throw ClientInputException.Invalid($"'threshold' must be a finite number above 0, not '{requested}'.");
        }

        return manifest.ReconstructionErrors is { } errors
            ? errors.DefaultThreshold
            : throw ClientInputException.Invalid($"Model '{manifest.Name}' records no validation errors to take a default threshold from; pass '?threshold='.");
    }

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
