using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Priors;

namespace Autoencoder.Training.Novelty;

/// <summary>
/// Fits a scorer's <see cref="JointDensity"/> to the normal training images: each error's log is standardised by its
/// median and interquartile range there, and a Gaussian mixture is fitted to the codes with those numbers after them.
/// </summary>
internal static class JointDensityFit
{
    /// <summary>The errors the trainer's joint density holds (docs/novelty.md has the figures behind the choice).</summary>
    public static IReadOnlyList<string> DefaultErrors { get; } = [NoveltyTerms.MeanSquaredError, NoveltyTerms.Structural];

    /// <summary>Whether a scorer of <paramref name="counted"/> terms needs a joint density fitted.</summary>
    public static bool Wanted(IReadOnlyList<CountedTerm>? counted) => counted?.Any(term => term.Name == NoveltyTerms.Joint) == true;

    /// <summary>
    /// The joint density of <paramref name="errorNames"/> for <paramref name="count"/> training images ([0,1] pixels),
    /// their reconstructions and codes, all row-major, as a mixture of <paramref name="components"/> Gaussians
    /// (<paramref name="seed"/> chooses its k-means++ seeds).
    /// </summary>
    public static JointDensity Fit(
        ImageShape image, IReadOnlyList<string> errorNames, float[] pixels, float[] reconstructions, float[] codes, int count, int components, int seed)
    {
        ArgumentNullException.ThrowIfNull(errorNames);
        if (errorNames.Count == 0 || errorNames.Any(name => !JointDensity.ErrorNames.Contains(name)))
        {
            throw new ArgumentException($"name one or more of {string.Join(", ", JointDensity.ErrorNames)}", nameof(errorNames));
        }

        var values = NoveltyScorer.ComputeTerms(new NoveltyTerms(image, prior: null), errorNames, pixels, reconstructions, codes, count);
        ErrorFeature[] errors = [.. errorNames.Select((name, index) => Standardisation(name, values[index]))];
        var latent = codes.Length / count;
        var size = latent + errors.Length;
        var features = new float[count * size];
        var row = new double[errors.Length];
        for (var n = 0; n < count; n++)
        {
            for (var index = 0; index < errors.Length; index++)
            {
                row[index] = values[index][n];
            }

            NoveltyTerms.JointFeatures(errors, row, codes.AsSpan(n * latent, latent), features.AsSpan(n * size, size));
        }

        var fittedTo = string.Create(
            CultureInfo.InvariantCulture, $"codes and log {string.Join(", ", errorNames)} of the {count:N0} training images (the validation images held out)");
        return new JointDensity(errors, GaussianMixtureFit.Fit(features, count, size, components, seed, fittedTo));
    }

    /// <summary>The median and interquartile range of the logs of <paramref name="values"/> (a range of 0 becomes 1).</summary>
    private static ErrorFeature Standardisation(string name, double[] values)
    {
        double[] sorted = [.. values.Select(ErrorFeature.Log).Order()];
        var spread = Percentiles.Of(sorted, 75) - Percentiles.Of(sorted, 25);
        return new ErrorFeature(name, Percentiles.Of(sorted, 50), spread > 0 && double.IsFinite(spread) ? spread : 1);
    }
}
