using System.Globalization;
using System.Text;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Novelty;

/// <summary>A way of adding up the normalised terms, for comparison beside the model's own: a name and a weight per term.</summary>
internal sealed record TermCombination(string Name, IReadOnlyDictionary<string, double> Weights)
{
    /// <summary>
    /// The few combinations the report compares (docs/novelty.md says which became the default, and why); those with a
    /// term a model does not have (the joint term, unless its scorer has a joint density) are left out.
    /// </summary>
    public static IReadOnlyList<TermCombination> Compared { get; } =
    [
        new("mse+prior", new Dictionary<string, double> { [NoveltyTerms.MeanSquaredError] = 1, [NoveltyTerms.Prior] = 1 }),
        new("local+prior", new Dictionary<string, double> { [NoveltyTerms.Local] = 1, [NoveltyTerms.Prior] = 1 }),
        new("mse+local+prior", new Dictionary<string, double> { [NoveltyTerms.MeanSquaredError] = 1, [NoveltyTerms.Local] = 1, [NoveltyTerms.Prior] = 1 }),
        new("structural+prior", new Dictionary<string, double> { [NoveltyTerms.Structural] = 1, [NoveltyTerms.Prior] = 1 }),
        new("structural+local+prior", new Dictionary<string, double> { [NoveltyTerms.Structural] = 1, [NoveltyTerms.Local] = 1, [NoveltyTerms.Prior] = 1 }),
        new("all four", new Dictionary<string, double> { [NoveltyTerms.MeanSquaredError] = 1, [NoveltyTerms.Structural] = 1, [NoveltyTerms.Local] = 1, [NoveltyTerms.Prior] = 1 }),
        new("2 prior+structural", new Dictionary<string, double> { [NoveltyTerms.Structural] = 1, [NoveltyTerms.Prior] = 2 }),
        new("joint+prior", new Dictionary<string, double> { [NoveltyTerms.Joint] = 1, [NoveltyTerms.Prior] = 1 }),
        new("joint+structural", new Dictionary<string, double> { [NoveltyTerms.Joint] = 1, [NoveltyTerms.Structural] = 1 }),
    ];
}

/// <summary>One class's one-class model and how well it tells its class's test images from the others'.</summary>
/// <param name="Class">The normal class's name.</param>
/// <param name="TrainImages">Images it was trained on (its validation images held out).</param>
/// <param name="Normal">Test images of the class.</param>
/// <param name="Anomalous">Test images of every other class.</param>
/// <param name="TermAurocs">AUROC of each term alone, by name, in the scorer's order.</param>
/// <param name="CombinedAuroc">AUROC of the model's own combined score (its model.json scorer).</param>
/// <param name="ComparedAurocs">AUROC of each of <see cref="TermCombination.Compared"/>, by name.</param>
/// <param name="Curve">The combined score's ROC curve: false and true positive rates.</param>
/// <param name="AnomaliesAboveThreshold">Share of anomalies above the scorer's default threshold (validation 99th percentile).</param>
/// <param name="NormalAboveThreshold">Share of normal test images above it.</param>
/// <param name="Seconds">Training, writing and scoring, in seconds (set by the caller, who times all three).</param>
internal sealed record NoveltyResult(
    string Class,
    int TrainImages,
    int Normal,
    int Anomalous,
    IReadOnlyList<(string Term, double Auroc)> TermAurocs,
    double CombinedAuroc,
    IReadOnlyList<(string Combination, double Auroc)> ComparedAurocs,
    (double[] FalsePositiveRate, double[] TruePositiveRate) Curve,
    double AnomaliesAboveThreshold,
    double NormalAboveThreshold,
    double Seconds);

/// <summary>
/// One-class novelty detection measured as the literature measures it: a model trained on one class's images, the whole
/// test split scored with the exported files (ONNX Runtime) and Core's scorer, exactly as the service would, and the
/// AUROC of that class (normal) against all the others (anomalies), for each term and for the combined score.
/// </summary>
internal static class NoveltyReport
{
    public const string MarkdownFileName = "novelty.md";
    public const string PlotFileName = "roc.png";

    /// <summary>Scores <paramref name="test"/> with the model at <paramref name="model"/>; images labelled <paramref name="normalLabel"/> are the normal ones.</summary>
    public static NoveltyResult Measure(ExportedAutoencoder model, LabelledImages test, byte normalLabel, string className)
    {
        var manifest = model.Manifest;
        var scorer = NoveltyScorer.For(manifest) ?? throw new InvalidOperationException($"model '{model.Name}' records no scorer");
        var calibration = scorer.Calibration;
        var pixels = model.Pixels(test.Images, "test");
        var codes = model.Encode(pixels, test.Count);
        var reconstructions = model.Decode(codes, test.Count);
        var names = calibration.Terms.Select(term => term.Name).ToArray();
        var values = NoveltyScorer.ComputeTerms(new NoveltyTerms(manifest.Image, manifest.Prior, calibration.Joint), names, pixels, reconstructions, codes, test.Count);
        var normal = Enumerable.Range(0, test.Count).Where(image => test.Labels[image] == normalLabel).ToArray();
        var anomalous = Enumerable.Range(0, test.Count).Where(image => test.Labels[image] != normalLabel).ToArray();

        double[] Combined(IReadOnlyList<ScoreTerm> terms)
        {
            var scores = new double[test.Count];
            var row = new double[terms.Count];
            for (var image = 0; image < test.Count; image++)
            {
                for (var index = 0; index < terms.Count; index++)
                {
                    row[index] = values[index][image];
                }

                scores[image] = NoveltyScorer.Combine(terms, row);
            }

            return scores;
        }

        double Auroc(double[] scores) => ImageErrors.RocAuc([.. normal.Select(image => scores[image])], [.. anomalous.Select(image => scores[image])]);

        var combined = Combined(calibration.Terms);
        var compared = TermCombination.Compared
            .Where(combination => combination.Weights.Keys.All(names.Contains))
            .Select(combination => (combination.Name, Auroc(Combined([.. calibration.Terms.Select(term => term with { Weight = combination.Weights.GetValueOrDefault(term.Name) })]))))
            .ToArray();
        var threshold = calibration.DefaultThreshold;
        return new NoveltyResult(
            className,
            manifest.Dataset.TrainImages,
            normal.Length,
            anomalous.Length,
            [.. names.Select((name, index) => (name, Auroc(values[index])))],
            Auroc(combined),
            compared,
            RocCurve([.. normal.Select(image => combined[image])], [.. anomalous.Select(image => combined[image])]),
            anomalous.Count(image => combined[image] > threshold) / (double)Math.Max(1, anomalous.Length),
            normal.Count(image => combined[image] > threshold) / (double)Math.Max(1, normal.Length),
            Seconds: 0);
    }

    /// <summary>
    /// The ROC curve of scores as a detector of the positives: after each distinct score, taken as a threshold from the
    /// highest down, the shares of negatives and positives at or above it; from (0, 0) to (1, 1).
    /// </summary>
    public static (double[] FalsePositiveRate, double[] TruePositiveRate) RocCurve(IReadOnlyList<double> negatives, IReadOnlyList<double> positives)
    {
        var all = negatives.Select(score => (Score: score, Positive: false))
            .Concat(positives.Select(score => (Score: score, Positive: true)))
            .OrderByDescending(item => item.Score)
            .ToArray();
        var falsePositives = new List<double> { 0 };
        var truePositives = new List<double> { 0 };
        var (negativeCount, positiveCount) = (0, 0);
        for (var index = 0; index < all.Length; index++)
        {
            if (all[index].Positive)
            {
                positiveCount++;
            }
            else
            {
                negativeCount++;
            }

            if (index + 1 == all.Length || all[index + 1].Score != all[index].Score)
            {
                falsePositives.Add(negativeCount / (double)Math.Max(1, negatives.Count));
                truePositives.Add(positiveCount / (double)Math.Max(1, positives.Count));
            }
        }

        return ([.. falsePositives], [.. truePositives]);
    }

    public static string Markdown(IReadOnlyList<NoveltyResult> results, string datasetName, string recipe, double totalSeconds)
    {
        var text = new StringBuilder();
        var terms = results[0].TermAurocs.Select(term => term.Term).ToArray();
        var compared = results[0].ComparedAurocs.Select(item => item.Combination).ToArray();
        text.Append(CultureInfo.InvariantCulture, $"One-class novelty on {datasetName}: a model per class ({recipe}), trained on that class's images alone; ");
        text.Append("the whole test split scored through the exported files and the model's scorer; AUROC (%) of the class (normal) against all the others (anomalies).\n\n");
        text.Append("| class | trained on | " + string.Join(" | ", terms) + " | **combined** | " + string.Join(" | ", compared) + " | anomalies above threshold | normal above | seconds |\n");
        text.Append("| --- | ---: | " + string.Join(" | ", terms.Select(_ => "---:")) + " | ---: | " + string.Join(" | ", compared.Select(_ => "---:")) + " | ---: | ---: | ---: |\n");
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {result.Class} | {result.TrainImages:N0} | ");
            text.Append(string.Join(" | ", result.TermAurocs.Select(term => Percent(term.Auroc))));
            text.Append(CultureInfo.InvariantCulture, $" | **{Percent(result.CombinedAuroc)}** | ");
            text.Append(string.Join(" | ", result.ComparedAurocs.Select(item => Percent(item.Auroc))));
            text.Append(CultureInfo.InvariantCulture, $" | {Percent(result.AnomaliesAboveThreshold)} | {Percent(result.NormalAboveThreshold)} | {result.Seconds:F0} |\n");
        }

        text.Append("| **mean** | | ");
        text.Append(string.Join(" | ", terms.Select((_, index) => Percent(results.Average(result => result.TermAurocs[index].Auroc)))));
        text.Append(CultureInfo.InvariantCulture, $" | **{Percent(results.Average(result => result.CombinedAuroc))}** | ");
        text.Append(string.Join(" | ", compared.Select((_, index) => Percent(results.Average(result => result.ComparedAurocs[index].Auroc)))));
        text.Append(" | | | |\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Lowest combined: {Percent(results.Min(result => result.CombinedAuroc))} (class {results.MinBy(result => result.CombinedAuroc)!.Class}). ");
        text.Append("Threshold: each model's validation 99th percentile of the combined score. ");
        text.Append(CultureInfo.InvariantCulture, $"{results.Sum(result => result.Normal + result.Anomalous) / results.Count:N0} test images scored per class; {totalSeconds:F0} s in all.\n");
        return text.ToString();
    }

    /// <summary>roc.png: every class's ROC curve of the combined score.</summary>
    public static void SavePlot(string path, IReadOnlyList<NoveltyResult> results, string datasetName)
    {
        var plot = new ScottPlot.Plot();
        foreach (var result in results)
        {
            var line = plot.Add.Scatter(result.Curve.FalsePositiveRate, result.Curve.TruePositiveRate);
            line.MarkerSize = 0;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{result.Class}: {result.CombinedAuroc * 100:F1}");
        }

        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Title($"{datasetName}: ROC of the combined novelty score per normal class (AUROC %)");
        plot.XLabel("false positive rate (normal test images flagged)");
        plot.YLabel("true positive rate (other classes flagged)");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 800, 600);
    }

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1}");
}
