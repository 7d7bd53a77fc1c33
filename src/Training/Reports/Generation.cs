using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>
/// How a generation report is run: samples per generator, their seed, and where the classifiers that judge them are
/// kept (one file per architecture) and how long they train.
/// </summary>
internal sealed record GenerationOptions(int Samples, int Seed, string ClassifierDirectory, int ClassifierEpochs);

/// <summary>One classifier's verdict on one generator: the Fréchet distance of the samples' features to the test images', and the share of the samples it puts in each class.</summary>
internal sealed record Judgement(double FrechetDistance, IReadOnlyList<double> ClassShares)
{
    public double SmallestClassShare => ClassShares.Min();

    public double LargestClassShare => ClassShares.Max();
}

/// <summary>
/// One generator's figures: each classifier's judgement (in the order of <see cref="GenerationResult.Classifiers"/>), the
/// model's test negative ELBO when model.json records one, and the first few samples for the picture.
/// </summary>
internal sealed record GeneratorScore(string Name, string Kind, int Samples, IReadOnlyList<Judgement> Judgements, double? TestNegativeElbo, float[] Examples);

/// <summary>A classifier that judged the generators: what it is, how it was trained, and its accuracy on the test images.</summary>
internal sealed record ClassifierSummary(ClassifierArchitecture Architecture, ClassifierRecord Record, double TestAccuracy)
{
    public string Name => Architecture.Label();
}

internal sealed record GenerationResult(
    string Dataset,
    int TrainImages,
    int TestImages,
    IReadOnlyList<ClassifierSummary> Classifiers,
    int Samples,
    int Seed,
    int Height,
    int Width,
    IReadOnlyList<GeneratorScore> Generators);

/// <summary>
/// How close generated images come to real ones, judged by small classifiers of different architectures trained on the
/// data set, each from its own seed: every model's
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
        if (largestLabel >= ClassifierNetwork.Classes)
        {
            throw new DataFileException(dataset.Name, $"label {largestLabel}: the classifiers know {ClassifierNetwork.Classes} classes (0 to {ClassifierNetwork.Classes - 1})");
        }

        var priors = models.Select(model =>
        {
            model.Pixels(test.Images.Take(1), dataset.Name); // the model takes images of this size
            return model.Manifest.Prior
                ?? throw new DataFileException(Path.Combine(model.Directory, ModelManifest.FileName), "no prior: model.json says nothing to sample codes from");
        }).ToArray();

        using var panel = ClassifierPanel.Prepare(dataset, options, log);

        GeneratorScore Score(string name, string kind, float[] images, int count, double? negativeElbo)
        {
            var judgements = panel.Judge(images, count);
            log($"{name} ({kind}): " + string.Join("; ", judgements.Select((judgement, index) =>
                $"{panel.Summaries[index].Name} FD {judgement.FrechetDistance:F2}, class shares {GenerationReport.Percent(judgement.SmallestClassShare)} to {GenerationReport.Percent(judgement.LargestClassShare)}")));
            return new GeneratorScore(name, kind, count, judgements, negativeElbo, images[..(Math.Min(count, ExampleCount) * pixelsPerImage)]);
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

        return new GenerationResult(dataset.Name, dataset.Train.Count, test.Count, panel.Summaries, options.Samples, options.Seed, height, width, scores);
    }

    /// <summary>Where a classifier of this architecture is kept in the classifier folder: "lenet.bin", "vgg.bin".</summary>
    public static string ClassifierPath(string directory, ClassifierArchitecture architecture) =>
        Path.Combine(directory, architecture.Label().ToLowerInvariant() + ".bin");

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

/// <summary>Every classifier architecture, trained or loaded, with its features of the test images to compare samples to.</summary>
internal sealed class ClassifierPanel : IDisposable
{
    private readonly List<ImageClassifier> classifiers = [];
    private readonly List<FeatureStatistics> references = [];
    private readonly List<ClassifierSummary> summaries = [];

    private ClassifierPanel()
    {
    }

    public IReadOnlyList<ClassifierSummary> Summaries => summaries;

    public static ClassifierPanel Prepare(ImageDataset dataset, GenerationOptions options, Action<string> log)
    {
        var test = dataset.Test;
        var testPixels = PixelValues.ToUnit(test.Images.Pixels);
        var panel = new ClassifierPanel();
        try
        {
            foreach (var (architecture, index) in ClassifierArchitectures.All.Select((architecture, index) => (architecture, index)))
            {
                // Seeds apart, so the classifiers differ in their starting weights and batch order as well as in their layers.
                var classifier = ImageClassifier.LoadOrTrain(
                    architecture, Generation.ClassifierPath(options.ClassifierDirectory, architecture), dataset.Train, options.ClassifierEpochs, options.Seed + index, log);
                panel.classifiers.Add(classifier);
                var accuracy = classifier.Accuracy(test);
                log($"classifier {architecture.Label()}: test accuracy {GenerationReport.Percent(accuracy)} on {test.Count:N0} images");
                panel.summaries.Add(new ClassifierSummary(architecture, classifier.Record, accuracy));
                panel.references.Add(FeatureStatistics.Of(classifier.Run(testPixels, test.Count).Features, test.Count, ClassifierNetwork.FeatureSize));
            }

            return panel;
        }
        catch
        {
            panel.Dispose();
            throw;
        }
    }

    /// <summary>Each classifier's judgement of <paramref name="count"/> [0,1] images, in the order of <see cref="Summaries"/>.</summary>
    public IReadOnlyList<Judgement> Judge(float[] images, int count) =>
        [.. classifiers.Select((classifier, index) =>
        {
            var (features, predictions) = classifier.Run(images, count);
            var distance = FrechetDistance.Between(FeatureStatistics.Of(features, count, ClassifierNetwork.FeatureSize), references[index]);
            var counts = new int[ClassifierNetwork.Classes];
            foreach (var prediction in predictions)
            {
                counts[prediction]++;
            }

            return new Judgement(distance, [.. counts.Select(classCount => (double)classCount / count)]);
        })];

    public void Dispose() => classifiers.ForEach(classifier => classifier.Dispose());
}
