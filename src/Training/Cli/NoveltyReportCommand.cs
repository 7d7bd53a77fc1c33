using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Fitting;
using Autoencoder.Training.Models;
using Autoencoder.Training.Novelty;
using Autoencoder.Training.Priors;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>
/// novelty-report: for each class, a one-class model trained on it alone and written as a servable model folder, the
/// whole test split scored through its exported files, and the AUROC of that class against the others.
/// </summary>
internal sealed class NoveltyReportCommand : Command
{
    /// <summary>The network every class's model gets: the conv layout with a latent of 20, as the published conv baseline.</summary>
    public static NetworkOptions Network { get; } = new() { Kind = ArchitectureKind.Conv, Latent = 20 };

    public const int DefaultEpochs = 60;

    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data", "DIR", "MNIST-format IDX files (.gz or raw), or a folder of pictures with class sub-folders", required: true);

    private readonly Option<string> classes = TypedOptions.Text(
        "--classes", "LIST", "the normal classes to measure, one model each, comma-separated (label numbers for IDX files); default: every class");

    private readonly Option<string> outputFolder = TypedOptions.Text(
        "--out", "DIR", "where novelty.md, roc.png and a model folder per class (DIR/CLASS) go", required: true);

    private readonly Option<int> epochs = TypedOptions.WholeNumber("--epochs", 1, 100_000, DefaultEpochs, "epochs of each class's model");

    private readonly Option<int> priorComponents = TypedOptions.WholeNumber(
        "--prior-components", 1, 1000, 1, "Gaussians in each model's prior, fitted to its class's codes");

    private readonly Option<string> noveltyTerms = TypedOptions.Text(
        "--novelty-terms", "LIST", "the novelty terms each model's scorer adds up, comma-separated (mse, structural, local, prior, joint), each weighted 1 or as NAME:WEIGHT says (prior:2); default: local,prior");

    private readonly Option<int> latent = TypedOptions.WholeNumber("--latent", 1, 4096, Network.Latent, "latent dimensions of each class's model");

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "random seed");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads; default: all cores");

    private readonly Option<bool> rescore = TypedOptions.Flag(
        "--rescore",
        "score the model folders already in --out again instead of training them: each keeps its network, gets a prior of --prior-components Gaussians (its own if it has that many) and this run's scorer");

    private readonly Option<int?> limit = TypedOptions.WholeNumber(
        "--limit", 2, int.MaxValue, "use only the first N training images of each class and the first N test images (quick runs)");

    public NoveltyReportCommand()
        : base("novelty-report", "Trains a model on each class alone and measures how well its novelty score tells that class's test images from the others'.")
    {
        Option[] options = [dataFolder, classes, outputFolder, epochs, priorComponents, noveltyTerms, latent, seed, threads, rescore, limit];
        this.AddOptions(options);
        Validators.Add(result =>
        {
            if (result.GetValue(noveltyTerms) is { } terms && NoveltyCalibration.ParseTerms(terms).Problem is { } problem)
            {
                result.AddError($"--novelty-terms: {problem}");
            }
        });

        SetAction((parseResult, cancellationToken) => Task.FromResult(Run(parseResult, cancellationToken)));
    }

    private int Run(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var data = parseResult.GetRequiredValue(dataFolder);
        var outputDirectory = parseResult.GetRequiredValue(outputFolder);
        var threadCount = parseResult.GetValue(threads) ?? Environment.ProcessorCount;
        var count = parseResult.GetValue(limit);
        var dataset = TrainCommand.LoadData(data, ImageShape.Mnist, parseResult.GetValue(seed));
        var labels = dataset.Train.Labels.Concat(dataset.Test.Labels).Distinct().Order().ToArray();
        IReadOnlyList<string> wanted = parseResult.GetValue(classes) is { } list
            ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()]
            : [.. labels.Select(dataset.ClassName)];
        var test = count is { } testLimit ? dataset.Test.Take(testLimit) : dataset.Test;
        var recipe = Recipe.Default;
        var network = Network with { Latent = parseResult.GetValue(latent) };
        var counted = parseResult.GetValue(noveltyTerms) is { } termList ? NoveltyCalibration.ParseTerms(termList).Terms : null;
        var epochCount = parseResult.GetValue(epochs);
        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"conv {string.Join(',', network.Channels)}, latent {network.Latent}, {recipe.Name} recipe, {epochCount} epochs, a prior of {parseResult.GetValue(priorComponents)} Gaussian(s), scored by {string.Join(", ", counted ?? NoveltyCalibration.DefaultTerms)}, seed {parseResult.GetValue(seed)}{(parseResult.GetValue(rescore) ? "; networks trained by an earlier run, prior and scorer fitted again" : "")}");

        var results = new List<NoveltyResult>();
        var total = Stopwatch.StartNew();
        foreach (var name in wanted)
        {
            ImageDataset normal;
            try
            {
                normal = dataset.OnlyClasses([name]);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--classes: {e.Message}");
            }

            var clock = Stopwatch.StartNew();
            var directory = Path.Combine(outputDirectory, name);
            var options = new TrainingOptions
            {
                DataDirectory = data,
                OutputDirectory = directory,
                Recipe = recipe,
                Network = network,
                Name = $"{dataset.Name}-{name}",
                Epochs = epochCount,
                Seed = parseResult.GetValue(seed),
                Threads = threadCount,
                Limit = count,
                PriorComponents = parseResult.GetValue(priorComponents),
                NoveltyTerms = counted,
            };
            output.WriteLine($"novelty-report: class {name} ({normal.Train.Count:N0} training images)");
            if (parseResult.GetValue(rescore))
            {
                Rescore(directory, normal, options);
            }
            else
            {
                var progress = new ConsoleProgress(output, interactive: false);
                var outcome = new Trainer(options, progress).Run(normal, cancellationToken);
                using (outcome.Model)
                {
                    var handling = DatasetConventions.DefaultImageHandling(dataset.Name, dataset.Train.Images.Channels);
                    ModelFolder.Write(directory, staging => TrainCommand.Save(staging, options, normal, outcome, handling, progress));
                }

                if (outcome.Interrupted)
                {
                    output.WriteLine("novelty-report: interrupted; the classes measured so far are reported");
                    break;
                }
            }

            using var model = ExportedAutoencoder.Open(directory, threadCount);
            var label = labels.First(candidate => dataset.ClassName(candidate) == name);
            var result = NoveltyReport.Measure(model, test, label, name) with { Seconds = clock.Elapsed.TotalSeconds };
            results.Add(result);
            var terms = string.Join(", ", result.TermAurocs.Select(term => string.Create(CultureInfo.InvariantCulture, $"{term.Term} {term.Auroc * 100:F1}")));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"novelty-report: class {name}: AUROC combined {result.CombinedAuroc * 100:F1}, {terms} ({result.Seconds:F0} s)"));
        }

        if (results.Count == 0)
        {
            return 130;
        }

        var markdown = NoveltyReport.Markdown(results, dataset.Name, description, total.Elapsed.TotalSeconds);
        Directory.CreateDirectory(outputDirectory);
        File.WriteAllText(Path.Combine(outputDirectory, NoveltyReport.MarkdownFileName), markdown);
        NoveltyReport.SavePlot(Path.Combine(outputDirectory, NoveltyReport.PlotFileName), results, dataset.Name);
        output.Write(markdown);
        output.WriteLine($"wrote {NoveltyReport.MarkdownFileName} and {NoveltyReport.PlotFileName} to {outputDirectory}");
        return results.Count == wanted.Count ? 0 : 130;
    }

    /// <summary>
    /// Gives the model trained into <paramref name="directory"/> on <paramref name="normal"/> the prior and scorer that
    /// <paramref name="options"/> ask for, as train fits them after training, from its exported files' outputs on the
    /// same training and validation images: its network is kept.
    /// </summary>
    private static void Rescore(string directory, ImageDataset normal, TrainingOptions options)
    {
        ModelManifest manifest;
        ScorerCalibration scorer;
        LatentPrior? prior;
        using (var model = ExportedAutoencoder.Open(directory, options.Threads))
        {
            manifest = model.Manifest;
            var all = options.Limit is { } count ? normal.Train.Take(count) : normal.Train;
            var (train, validation) = all.Split(options.ValidationFraction, options.Seed);
            if (manifest.Dataset.Classes is not { } classes || !classes.SequenceEqual(normal.SelectedClasses ?? [])
                || (manifest.Dataset.TrainImages, manifest.Dataset.ValidationImages) != (train.Count, validation.Count) || manifest.Training.Seed != options.Seed)
            {
                throw new UsageException($"--rescore: {directory} holds no model trained on these images with this seed");
            }

            (float[] Pixels, float[] Reconstructions, float[] Codes) Outputs(LabelledImages images, string what)
            {
                var pixels = model.Pixels(images.Images, what);
                var codes = model.Encode(pixels, images.Count);
                return (pixels, model.Decode(codes, images.Count), codes);
            }

            var (trainPixels, trainReconstructions, trainCodes) = Outputs(train, "training images");
            prior = manifest.Prior is { Components.Count: var components } own && components == options.PriorComponents
                ? own
                : GaussianMixtureFit.Fit(
                    trainCodes, train.Count, manifest.LatentSize, options.PriorComponents, options.Seed,
                    GaussianMixtureFit.Describe(train.Count, "training images (the validation images held out)"));
            var joint = JointDensityFit.Wanted(options.NoveltyTerms)
                ? JointDensityFit.Fit(manifest.Image, JointDensityFit.DefaultErrors, trainPixels, trainReconstructions, trainCodes, train.Count, options.PriorComponents, options.Seed)
                : null;
            var (pixels, reconstructions, codes) = Outputs(validation, "validation images");
            scorer = NoveltyCalibration.Calibrate(manifest.Image, prior, pixels, reconstructions, codes, validation.Count, counted: options.NoveltyTerms, joint: joint);
        }

        var path = Path.Combine(directory, ModelManifest.FileName);
        ModelFolder.ReplaceFile(path, staging => File.WriteAllText(staging, (manifest with { Prior = prior, Scorer = scorer }).ToJson()));
    }
}
