using System.Globalization;
using System.Text;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>How well a model's reconstruction error tells images unlike its training data from images like it.</summary>
internal sealed record AnomalyResult(
    string Model,
    int InDistributionImages,
    int OutOfDistributionImages,
    double InDistributionMean,
    double OutOfDistributionMean,
    double RocAuc,
    double Threshold,
    string ThresholdSource,
    double InDistributionAbove,
    double OutOfDistributionAbove);

/// <summary>
/// Scores two test sets by per-image reconstruction error: the ROC AUC of the error as a detector of the
/// out-of-distribution set, and the share of each set above the model's validation 99th percentile (from
/// model.json; a model without it falls back to the in-distribution test images' own 99th percentile, and says so).
/// </summary>
internal static class AnomalyReport
{
    public const string MarkdownFileName = "anomaly.md";

    public static AnomalyResult Measure(ExportedAutoencoder model, ImageStack inDistribution, string inName, ImageStack outOfDistribution, string outName)
    {
        var inErrors = Errors(model, inDistribution, inName);
        var outErrors = Errors(model, outOfDistribution, outName);
        var (distribution, source) = model.Manifest.ReconstructionErrors is { } recorded
            ? (recorded, $"the 99th percentile recorded in model.json ({recorded.Split}, {recorded.Images:N0} images)")
            : (ImageErrors.Summarise("test", inErrors), $"the 99th percentile of the {inName} test images' own errors (model.json records no validation errors)");
        var threshold = distribution.DefaultThreshold;
        return new AnomalyResult(
            model.Name,
            inErrors.Length,
            outErrors.Length,
            inErrors.Average(),
            outErrors.Average(),
            ImageErrors.RocAuc(inErrors, outErrors),
            threshold,
            source,
            ShareAbove(inErrors, threshold),
            ShareAbove(outErrors, threshold));
    }

    public static string Markdown(IReadOnlyList<AnomalyResult> results, string inName, string outName)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Per-image reconstruction error as a score for \"not {inName}\": {outName} test images against {inName} test images.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| model | mean MSE, {inName} | mean MSE, {outName} | ROC AUC | threshold (99th percentile) | {outName} above | {inName} above |\n");
        text.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {result.Model} | {result.InDistributionMean:F5} | {result.OutOfDistributionMean:F5} | {result.RocAuc:F4} | {result.Threshold:F5} | {Percent(result.OutOfDistributionAbove)} | {Percent(result.InDistributionAbove)} |\n");
        }

        text.Append('\n');
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"{result.Model}: the threshold is {result.ThresholdSource}; {result.InDistributionImages:N0} {inName} and {result.OutOfDistributionImages:N0} {outName} images scored.\n");
        }

        return text.ToString();
    }

    private static double[] Errors(ExportedAutoencoder model, ImageStack images, string name)
    {
        var pixels = model.Pixels(images, name);
        var reconstructions = model.Decode(model.Encode(pixels, images.Count), images.Count);
        return ImageErrors.PerImage(pixels, reconstructions, model.PixelsPerImage);
    }

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1}%");

    private static double ShareAbove(double[] errors, double threshold) => errors.Count(error => error > threshold) / (double)errors.Length;
}
