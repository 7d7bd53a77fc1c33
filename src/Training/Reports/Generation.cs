using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>How a generation report is run: samples per generator, their seed, and the classifier that judges them.</summary>
internal sealed record GenerationOptions(int Samples, int Seed, string ClassifierPath, int ClassifierEpochs);

/// <summary>
/// One generator's figures: the Fréchet distance of its samples' classifier features to the test images', the share of
/// its samples the classifier puts in each class, the model's test negative ELBO when model.json records one, and
/// the first few samples for the picture.
/// </summary>
internal sealed record GeneratorScore(string Name, string Kind, int Samples, double FrechetDistance, IReadOnlyList<double> ClassShares, double? TestNegativeElbo, float[] Examples)
{
    public double SmallestClassShare => ClassShares.Min();

    public double LargestClassShare => ClassShares.Max();
}

internal sealed record GenerationResult(
    string Dataset,
    int TrainImages,
    int TestImages,
    ClassifierRecord Classifier,
    double ClassifierAccuracy,
    int Samples,
    int Seed,
    int Height,
    int Width,
    IReadOnlyList<GeneratorScore> Generators);

/// <summary>
/// How close generated images come to real ones, judged by a small classifier trained on the data set: every model's
/// samples from its prior (decoded by its decoder.onnx, the codes the service draws for the same seed), PCA with
/// Gaussian coefficients (the linear baseline), and training images themselves (the floor: what real images score).
/// </summary>
internal static class Generation
{
    public const int PcaComponents = 20;
    public const int ExampleCount = 64;

    /// <summary>Generation samples the prior itself (temperature 1), as the service does by default.</summary>
    public const double Temperature = 1;

    public static GenerationResult Measure(IReadOnlyList<ExportedAutoencoder> models, ImageDataset dataset, GenerationOptions options, Action<string> log)
    {
        var test = dataset.Test;
        var (height, width) = (test.Images.Rows, test.Images.Columns);
        var pixelsPerImage = height * width;
        var largestLabel = dataset.Train.Labels.Concat(test.Labels).DefaultIfEmpty().Max();
        if (largestLabel >= LeNet.Classes)
        {
            throw new DataFileException(dataset.Name, $"label {largestLabel}: the classifier knows {LeNet.Classes} classes (0 to {LeNet.Classes - 1})");
        }

        var priors = models.Select(model =>
        {
            model.Pixels(test.Images.Take(1), dataset.Name); // the model takes images of this size
            return model.Manifest.Prior
                ?? throw new DataFileException(Path.Combine(model.Directory, ModelManifest.FileName), "no prior: model.json says nothing to sample codes from");
        }).ToArray();

        using var classifier = LeNetClassifier.LoadOrTrain(options.ClassifierPath, dataset.Train, options.ClassifierEpochs, options.Seed, log);
        var accuracy = classifier.Accuracy(test);
        log($"classifier: test accuracy {GenerationReport.Percent(accuracy)} on {test.Count:N0} images");
        var reference = FeatureStatistics.Of(classifier.Run(PixelValues.ToUnit(test.Images.Pixels), test.Count).Features, test.Count, LeNet.FeatureSize);

        GeneratorScore Score(string name, string kind, float[] images, int count, double? negativeElbo)
        {
            var (features, predictions) = classifier.Run(images, count);
            var distance = FrechetDistance.Between(FeatureStatistics.Of(features, count, LeNet.FeatureSize), reference);
            var counts = new int[LeNet.Classes];
            foreach (var prediction in predictions)
            {
                counts[prediction]++;
            }

            double[] shares = [.. counts.Select(classCount => (double)classCount / count)];
            var score = new GeneratorScore(name, kind, count, distance, shares, negativeElbo, images[..(Math.Min(count, ExampleCount) * pixelsPerImage)]);
            log($"{name} ({kind}): FD {distance:F2}, class shares {GenerationReport.Percent(score.SmallestClassShare)} to {GenerationReport.Percent(score.LargestClassShare)}");
            return score;
        }

        var scores = new List<GeneratorScore>();
        for (var index = 0; index < models.Count; index++)
        {
            var model = models[index];
            var prior = priors[index];
            var codes = new LatentSampler(prior).Sample(options.Samples, options.Seed, Temperature);
            var kind = prior.Components.Count > 1 ? $"{prior.Kind} prior, {prior.Components.Count} components" : $"{prior.Kind} prior";
            scores.Add(Score(model.Name, kind, model.Decode(codes, options.Samples), options.Samples, model.Manifest.Variational?.TestNegativeElbo));
        }

        var trainPixels = PixelValues.ToUnit(dataset.Train.Images.Pixels);
        scores.Add(Score($"PCA-{PcaComponents}", "Gaussian coefficients", SamplePrincipalComponents(trainPixels, dataset.Train.Count, pixelsPerImage, options), options.Samples, null));

        var floorCount = Math.Min(options.Samples, dataset.Train.Count);
        scores.Add(Score("training images", $"the first {floorCount:N0}", trainPixels[..(floorCount * pixelsPerImage)], floorCount, null));

        return new GenerationResult(dataset.Name, dataset.Train.Count, test.Count, classifier.Record, accuracy, options.Samples, options.Seed, height, width, scores);
    }

    /// <summary>
    /// PCA fitted on the training images, each coefficient drawn from N(0, its variance over those images) (the
    /// components are uncorrelated there), and the images rebuilt from them, clamped to [0,1].
    /// </summary>
    private static float[] SamplePrincipalComponents(float[] trainPixels, int trainCount, int pixelsPerImage, GenerationOptions options)
    {
        var pca = PrincipalComponents.Fit(trainPixels, trainCount, pixelsPerImage, PcaComponents);
        var coefficients = pca.Encode(trainPixels, trainCount);
        var statistics = FeatureStatistics.Of(coefficients, trainCount, PcaComponents);
        var covariance = new double[PcaComponents][];
        for (var i = 0; i < PcaComponents; i++)
        {
            covariance[i] = new double[PcaComponents];
            covariance[i][i] = statistics.Covariance[(i * PcaComponents) + i];
        }

        var prior = new LatentPrior
        {
            Kind = LatentPrior.GaussianKind,
            Components = [new PriorComponent(1, new double[PcaComponents], covariance)],
        };
        return pca.Decode(new LatentSampler(prior).Sample(options.Samples, options.Seed, Temperature), options.Samples);
    }
}
