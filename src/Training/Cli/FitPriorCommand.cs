using System.CommandLine;
using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Novelty;
using Autoencoder.Training.Priors;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>
/// fit-prior: encodes a data folder's training images with a model's exported encoder and writes Gaussians fitted to
/// their codes as the model's prior in its model.json, everything else unchanged. With several component counts, each is
/// fitted to nine tenths of the codes and measured on the other tenth, and the best one is fitted to them all.
/// </summary>
internal sealed class FitPriorCommand : Command
{
    /// <summary>Share of the codes held out to measure each component count on.</summary>
    public const double HeldOutFraction = 0.1;

    private readonly Option<string> modelFolder = TypedOptions.Text(
        "--model", "DIR", "model folder (model.json, encoder.onnx); its model.json gets the prior", required: true);

    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data", "DIR", "the images to fit to, as train's --data (IDX files or a folder of pictures); only the training split is used", required: true);

    private readonly Option<IReadOnlyList<int>?> components = TypedOptions.WholeNumbers(
        "--components",
        "K,...",
        1,
        1000,
        TypedOptions.WithDefault("Gaussians in the mixture; several (1,2,4,8) are each measured on held-out codes and the best is written", "1"));

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "random seed (held-out codes, k-means++ seeds)");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads for the encoder; default: all cores");

    public FitPriorCommand()
        : base("fit-prior", "Fits Gaussians to a model's codes of a data set's training images and writes them as its prior in model.json.")
    {
        Option[] options = [modelFolder, dataFolder, components, seed, threads];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var directory = parseResult.GetRequiredValue(modelFolder);
        var data = parseResult.GetRequiredValue(dataFolder);
        var counts = parseResult.GetValue(components) ?? [1];
        var randomSeed = parseResult.GetValue(seed);

        var threadCount = parseResult.GetValue(threads) ?? Environment.ProcessorCount;
        var model = ExportedAutoencoder.OpenEncoder(directory, threadCount);
        if (model.Manifest.Scorer is not null)
        {
            // A scorer is calibrated again on the validation images under the new prior: that needs the decoder too.
            model.Dispose();
            model = ExportedAutoencoder.Open(directory, threadCount);
        }

        using var _ = model;
        var manifest = model.Manifest;
        var dataset = TrainCommand.LoadData(data, manifest.Image, randomSeed);

        // A model of some classes has its prior fitted to their codes alone, as train fits it.
        dataset = manifest.Dataset.Classes is { } classes ? dataset.OnlyClasses(classes) : dataset;
        var train = dataset.Train;
        if (train.Count < 2 * counts.Max())
        {
            throw new UsageException($"{train.Count} training image(s) in {data} are too few to fit {counts.Max()} Gaussians");
        }

        var (fit, heldOut) = train.Split(HeldOutFraction, randomSeed);
        var imageCount = train.Count;
        var split = (Fit: fit.Count, HeldOut: heldOut.Count);
        var codes = model.Encode(model.Pixels(train.Images, data), train.Count);
        var fitCodes = model.Encode(model.Pixels(fit.Images, data), fit.Count);
        var heldOutCodes = model.Encode(model.Pixels(heldOut.Images, data), heldOut.Count);

        var size = manifest.LatentSize;
        var best = (Components: counts[0], LogLikelihood: double.NegativeInfinity);
        foreach (var count in counts.Distinct())
        {
            var prior = GaussianMixtureFit.Fit(fitCodes, split.Fit, size, count, randomSeed, "held-out measurement");
            var logLikelihood = GaussianMixtureFit.MeanLogLikelihood(prior, heldOutCodes, split.HeldOut);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"fit-prior: {count} component(s): held-out log-likelihood {logLikelihood:F3} nats per code (fitted to {split.Fit:N0} codes, measured on {split.HeldOut:N0})"));
            if (logLikelihood > best.LogLikelihood)
            {
                best = (count, logLikelihood);
            }
        }

        var chosen = GaussianMixtureFit.Fit(
            codes, imageCount, size, best.Components, randomSeed, GaussianMixtureFit.Describe(imageCount, $"training images of {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(data)))}"));
        var scorer = Recalibrate(model, dataset, manifest, chosen, output);
        var path = Path.Combine(directory, ModelManifest.FileName);
        ModelFolder.ReplaceFile(path, staging => File.WriteAllText(staging, (manifest with { Prior = chosen, Scorer = scorer }).ToJson()));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"fit-prior: wrote a {chosen.Kind} prior of {best.Components} component(s), fitted to the codes of {imageCount:N0} training images, to {path}"));
        return 0;
    }

    /// <summary>
    /// The model's scorer calibrated again under <paramref name="prior"/> on its own validation images, with its terms
    /// and weights; null (and said) when it has none, or they cannot be found in this data set.
    /// </summary>
    private static ScorerCalibration? Recalibrate(ExportedAutoencoder model, ImageDataset dataset, ModelManifest manifest, LatentPrior prior, TextWriter output)
    {
        if (manifest.Scorer is not { } previous)
        {
            return null;
        }

        if (NoveltyCalibration.ValidationImages(dataset, manifest) is not { } validation)
        {
            output.WriteLine("fit-prior: the model's validation images are not in this data set, so its scorer, calibrated under the old prior, is removed");
            return null;
        }

        var pixels = model.Pixels(validation.Images, "validation");
        var codes = model.Encode(pixels, validation.Count);
        var reconstructions = model.Decode(codes, validation.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fit-prior: calibrated the scorer again on the {validation.Count:N0} validation images"));
        return NoveltyCalibration.Calibrate(manifest.Image, prior, pixels, reconstructions, codes, validation.Count, previous);
    }
}
