using System.CommandLine;
using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Export;
using Autoencoder.Training.Models;
using Autoencoder.Training.Novelty;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Reports;
using Autoencoder.Training.Fitting;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Cli;

/// <summary>train: data in, encoder.onnx + decoder.onnx + model.json + history and pictures out.</summary>
internal sealed class TrainCommand : Command
{
    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data",
        "DIR",
        "MNIST-format IDX files (.gz or raw), or a folder of PNG/JPEG pictures (class sub-folders become labels; " +
        "\"train\" and \"test\" sub-folders become the splits, else a tenth is the test split; colour-dataset writes one)",
        required: true);

    private readonly Option<string> outputFolder = TypedOptions.Text(
        "--out", "DIR", "where encoder.onnx, decoder.onnx, model.json, history.csv and the pictures go", required: true);

    private readonly Option<int?> version = TypedOptions.WholeNumber(
        "--version",
        1,
        int.MaxValue,
        "write the model into --out's numbered version folder (--out/N), as the API reads a model's versions; --out must not hold a model.json of its own");

    private readonly Option<Recipe?> recipe = TypedOptions.OneOf(
        "--recipe",
        Recipe.All,
        TypedOptions.WithDefault(
            "default (recommended), article (the article's exact recipe) or vae (default at a peak learning rate of 1e-3, if a vae does not train stably)",
            Recipe.Default.Name));

    private readonly NetworkArguments network = new();

    private readonly Option<string> name = TypedOptions.Text("--name", "NAME", "model name in model.json; default: the data folder's name");

    private readonly Option<int?> epochs = TypedOptions.WholeNumber("--epochs", 1, 100_000, "override the recipe's epoch count");

    private readonly Option<int?> batchSize = TypedOptions.WholeNumber("--batch-size", 1, 1_000_000, "override the recipe's batch size");

    private readonly Option<double> validation = TypedOptions.Number(
        "--validation", "F", 0.001, 0.5, TrainingOptions.DefaultValidationFraction, "share of the training images held out to choose the best epoch");

    private readonly Option<Augmentation?> augment = TypedOptions.OneOf<Augmentation>(
        "--augment", "how to vary training images; default: shift for MNIST digits, none otherwise");

    private readonly Option<IReadOnlyList<Noise>?> noise = TypedOptions.Noises(
        "--noise",
        $"train a denoiser: each training image corrupted anew every epoch by one of these, KIND one of {string.Join(", ", Noise.KindNames)}, " +
        "LEVEL a number or a range MIN-MAX drawn per image (e.g. gaussian:0-0.5,salt-pepper:0-0.3); the loss is against the clean image");

    private readonly Option<int> klWarmup = TypedOptions.WholeNumber(
        "--kl-warmup",
        0,
        100_000,
        TrainingOptions.DefaultKlWarmupEpochs,
        "vae: epochs over which the KL term's weight rises linearly from 0 to 1 (0: full weight from the start)");

    private readonly Option<int> priorComponents = TypedOptions.WholeNumber(
        "--prior-components",
        1,
        1000,
        1,
        "fc and conv: Gaussians in the prior fitted to the training images' codes (a vae's prior is N(0, I))");

    private readonly Option<string> noveltyTerms = TypedOptions.Text(
        "--novelty-terms", "LIST", "the novelty terms the model's scorer adds up, comma-separated (mse, structural, local, prior, joint), each weighted 1 or as NAME:WEIGHT says (prior:2); default: local,prior");

    private readonly Option<ImageHandling?> imageHandling = TypedOptions.OneOfNamed(
        "--image-handling",
        ImageHandlingNames.Values.ToDictionary(StringComparer.OrdinalIgnoreCase),
        "how the API prepares uploads for this model; default: mnist-digit for MNIST digits, fit otherwise");

    private readonly Option<(int Height, int Width)?> imageSize = TypedOptions.Size(
        "--image-size",
        4,
        4096,
        TypedOptions.WithDefault(
            "size pictures from a folder are resized to",
            $"{ImageShape.Mnist.Height}x{ImageShape.Mnist.Width} for gray pictures, their own size (which they must share) for colour"));

    private readonly Option<int> imageChannels = TypedOptions.OneOfNumbers(
        "--image-channels",
        [1, 3],
        1,
        "read pictures from a folder as 1 channel (gray: light objects on black) or 3 (colour: red, green, blue, as they are)");

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "random seed");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads; default: all cores");

    private readonly Option<string> classes = TypedOptions.Text(
        "--classes",
        "LIST",
        "train, validate and test on these classes only, comma-separated: label numbers for IDX files (--classes 3), class folders' names for pictures; a model of normal images for /score");

    private readonly Option<int?> limit = TypedOptions.WholeNumber("--limit", 1, int.MaxValue, "use only the first N training and N test images (quick runs)");

    private readonly Option<DeviceChoice?> device = TypedOptions.OneOf<DeviceChoice>(
        "--device", TypedOptions.WithDefault("where to train", TypedOptions.Word(DeviceChoice.Auto)));

    private readonly Option<bool> download = TypedOptions.Flag("--download", "fetch the MNIST files into --data first, verifying their SHA-256");

    private readonly Option<Uri> mirror = TypedOptions.HttpUrl("--mirror", MnistDownloader.DefaultBaseUrl, "base URL to fetch from, with --download");

    private readonly Option<string> checksums = TypedOptions.Text(
        "--checksums", "FILE", "sha256sum-style digests to verify against instead of the original files', with --download");

    public TrainCommand()
        : base("train", "Trains an autoencoder and writes encoder.onnx, decoder.onnx, model.json, its history and pictures.")
    {
        Option[] options =
        [
            dataFolder, outputFolder, version, recipe, .. network.Options, name, epochs, batchSize, validation, augment, noise, klWarmup, priorComponents, noveltyTerms, imageHandling, imageSize,
            imageChannels, seed, threads, classes, limit, device, download, mirror, checksums,
        ];
        this.AddOptions(options);

        Validators.Add(result =>
        {
            if (!result.GetValue(download) && (result.GetResult(mirror) is { Implicit: false } || result.GetResult(checksums) is not null))
            {
                result.AddError("--mirror and --checksums only make sense with --download");
            }

            var variational = network.IsVariational(result);
            if (variational && result.GetValue(recipe) is { SuitsVariational: false } chosen)
            {
                result.AddError($"--arch vae cannot train with the {chosen.Name} recipe: its Bernoulli likelihood needs [0,1] pixels, a sigmoid output and a linear latent");
            }

            if (variational && result.GetResult(noise) is not null)
            {
                result.AddError("--noise trains a denoiser, which --arch vae is not");
            }

            if (variational && result.GetResult(priorComponents) is { Implicit: false })
            {
                result.AddError("--prior-components is for fc and conv: a vae's prior is N(0, I) (fit-prior can fit one to its codes)");
            }

            if (result.GetValue(noveltyTerms) is { } terms && NoveltyCalibration.ParseTerms(terms).Problem is { } problem)
            {
                result.AddError($"--novelty-terms: {problem}");
            }

            if (!variational && result.GetResult(klWarmup) is { Implicit: false })
            {
                result.AddError("--kl-warmup is for --arch vae");
            }
        });
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var options = new TrainingOptions
        {
            DataDirectory = parseResult.GetRequiredValue(dataFolder),
            OutputDirectory = parseResult.GetRequiredValue(outputFolder),
            Recipe = parseResult.GetValue(recipe) ?? Recipe.Default,
            Network = network.Read(parseResult),
            Name = parseResult.GetValue(name),
            Epochs = parseResult.GetValue(epochs),
            BatchSize = parseResult.GetValue(batchSize),
            Seed = parseResult.GetValue(seed),
            Threads = parseResult.GetValue(threads) ?? Environment.ProcessorCount,
            Limit = parseResult.GetValue(limit),
            ValidationFraction = parseResult.GetValue(validation),
            Augmentation = parseResult.GetValue(augment),
            Noise = parseResult.GetValue(noise),
            KlWarmupEpochs = parseResult.GetValue(klWarmup),
            PriorComponents = parseResult.GetValue(priorComponents),
            NoveltyTerms = parseResult.GetValue(noveltyTerms) is { } terms ? NoveltyCalibration.ParseTerms(terms).Terms : null,
            Device = parseResult.GetValue(device) ?? DeviceChoice.Auto,
        };

        // Before the data is read and hours are spent training: a version that cannot go where it is asked to.
        var destination = ModelFolder.Destination(options.OutputDirectory, parseResult.GetValue(version));
        if (parseResult.GetValue(download))
        {
            var digests = parseResult.GetValue(checksums) is { } file
                ? MnistDownloader.ReadChecksumFile(file)
                : MnistDownloader.OriginalChecksums;
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            await new MnistDownloader(http, output).DownloadAsync(parseResult.GetRequiredValue(mirror), options.DataDirectory, digests, cancellationToken);
        }

        var channels = parseResult.GetValue(imageChannels);
        var requestedSize = parseResult.GetValue(imageSize);
        if (requestedSize is { } size && options.Network.SizeProblem(size.Height, size.Width) is { } sizeProblem)
        {
            throw new UsageException($"--image-size {size.Height}x{size.Width}: {sizeProblem}");
        }

        var handling = parseResult.GetValue(imageHandling);
        if (channels == 3 && handling == ImageHandling.MnistDigit)
        {
            throw new UsageException(
                $"--image-handling {ImageHandling.MnistDigit.Name()} prepares gray digits; a colour model's is {ImageHandling.Fit.Name()} or {ImageHandling.None.Name()}");
        }

        var dataset = LoadData(options, channels, requestedSize);
        if (options.Network.SizeProblem(dataset.Train.Images.Rows, dataset.Train.Images.Columns) is { } ownSizeProblem)
        {
            throw new UsageException(
                $"the images are {dataset.Train.Images.Rows}x{dataset.Train.Images.Columns}: {ownSizeProblem}" +
                (ImageFolderDataset.HoldsIdxFiles(options.DataDirectory) ? "; use fewer --channels stages" : "; resize them with --image-size"));
        }

        IReadOnlyList<string>? onlyClasses = parseResult.GetValue(classes) is { } list
            ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()]
            : null;
        if (onlyClasses is not null)
        {
            try
            {
                dataset = dataset.OnlyClasses(onlyClasses);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--classes: {e.Message}");
            }
        }

        var progress = new ConsoleProgress(output, interactive: !Console.IsOutputRedirected && output == Console.Out);
        var outcome = new Trainer(options, progress).Run(dataset, cancellationToken);
        if (outcome.Interrupted)
        {
            progress.Message(outcome.History.Count == 0
                ? "interrupted before the first epoch ended; saving the model as it is"
                : $"interrupted; saving the best of {outcome.History.Count} epochs (epoch {outcome.Best.Epoch})");
        }

        using (outcome.Model)
        {
            var chosenHandling = handling ?? DatasetConventions.DefaultImageHandling(dataset.Name, channels);
            var manifest = ModelFolder.Write(destination, staging => Save(staging, options, dataset, outcome, chosenHandling, progress));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"done: {destination}  best epoch {outcome.Best.Epoch}  val mse {manifest.Metrics.BestValidation.Unit:F5}  " +
                $"test mse {manifest.Metrics.Test.Unit:F5} ({manifest.Metrics.Test.Pixel2:F1} px²){NoisyInputsNote(manifest.Metrics)}{ElboNote(manifest.Variational)}  {outcome.Elapsed.TotalSeconds:F1} s"));
        }

        return outcome.Interrupted ? 130 : 0;
    }

    private static ImageDataset LoadData(TrainingOptions options, int channels, (int Height, int Width)? imageSize)
    {
        if (ImageFolderDataset.HoldsIdxFiles(options.DataDirectory))
        {
            if (imageSize is not null)
            {
                throw new UsageException("--image-size is for a folder of pictures; IDX files have their own size");
            }

            if (channels != 1)
            {
                throw new UsageException($"--image-channels {channels} is for a folder of colour pictures; IDX files are gray (colour-dataset writes coloured pictures of them)");
            }

            return ImageDataset.LoadIdx(options.DataDirectory);
        }

        // Gray pictures are resized to MNIST's size unless told otherwise, as they always were; colour ones keep their own.
        var size = imageSize ?? (channels == 1 ? (ImageShape.Mnist.Height, ImageShape.Mnist.Width) : null);
        return ImageFolderDataset.Load(options.DataDirectory, channels, size, options.Seed);
    }

    /// <summary>IDX files as they are, or a folder of pictures read as <paramref name="image"/> says (its test split chosen by <paramref name="seed"/> when it has none).</summary>
    public static ImageDataset LoadData(string directory, ImageShape image, int seed) =>
        ImageFolderDataset.HoldsIdxFiles(directory)
            ? ImageDataset.LoadIdx(directory)
            : ImageFolderDataset.Load(directory, image.Channels, (image.Height, image.Width), seed);

    public static ModelManifest Save(string directory, TrainingOptions options, ImageDataset dataset, TrainingOutcome outcome, ImageHandling imageHandling, ConsoleProgress progress)
    {
        var model = outcome.Model;
        var network = model.Network;
        var name = options.Name ?? dataset.Name;
        var test = options.Limit is { } limit ? dataset.Test.Take(limit) : dataset.Test;
        using var testImages = Trainer.ToTensor(test.Images, 1f, CPU);
        network.to(CPU);

        var metadata = new Dictionary<string, string>
        {
            ["producer"] = "autoencoder-train",
            ["model"] = name,
            ["architecture"] = network.Summary,
            ["dataset"] = dataset.Name,
            ["recipe"] = options.Recipe.Name,
            ["latent_size"] = network.Latent.ToString(CultureInfo.InvariantCulture),
            ["image_handling"] = imageHandling.Name(),
            ["description"] = $"{name}: {network.Summary} autoencoder ({options.Recipe.Name} recipe) trained on {dataset.Name}",
        };
        using (var samples = testImages.narrow(0, 0, Math.Min(256, testImages.shape[0])))
        {
            foreach (var parity in ModelExport.Write(model, directory, samples, metadata))
            {
                progress.Message(string.Create(CultureInfo.InvariantCulture, $"export: {parity.Model} matches TorchSharp within {parity.MaxAbsoluteDifference:g3} (tolerance {parity.Tolerance:g3}) on {parity.Samples} test images"));
            }
        }

        var final = outcome.History.Count > 0 ? outcome.History[^1] : outcome.Best;
        var manifest = new ModelManifest
        {
            Name = name,
            Architecture = network.Describe(),
            Image = network.Image,
            ImageHandling = imageHandling,
            LatentSize = network.Latent,
            Contract = TensorContract.For(network.Image),
            Recipe = options.Recipe.Describe(options.EffectiveEpochs, options.EffectiveBatchSize, DatasetConventions.Describe(outcome.Augmentation)),
            Dataset = new DatasetInfo(
                dataset.Name,
                outcome.TrainImages,
                outcome.ValidationImages,
                string.Create(CultureInfo.InvariantCulture, $"{options.ValidationFraction * 100:0.#}% of the training images, held out at random (seed {options.Seed})"),
                outcome.TestImages,
                "test")
            {
                Classes = dataset.SelectedClasses,
            },
            Training = new TrainingInfo(
                options.Seed,
                outcome.History.Count,
                outcome.Best.Epoch,
                Math.Round(outcome.Elapsed.TotalSeconds, 2),
                outcome.Device,
                options.Threads,
                outcome.Interrupted),
            Metrics = new MetricsInfo(
                MeanSquaredError.FromUnit(final.TrainMse),
                MeanSquaredError.FromUnit(final.ValidationMse),
                MeanSquaredError.FromUnit(outcome.Best.TrainMse),
                MeanSquaredError.FromUnit(outcome.Best.ValidationMse),
                MeanSquaredError.FromUnit(outcome.TestMse),
                options.Noise is null ? null : NoisyInputs(options.Noise, options.Seed),
                outcome.NoisyTestInputMse is { } noisyInput ? MeanSquaredError.FromUnit(noisyInput) : null),
            Noise = options.Noise,
            Prior = outcome.Prior,
            Variational = outcome.TestNegativeElbo is { } elbo
                ? new VariationalInfo(GaussianEncoder.LogVarianceOutput, elbo.Total, elbo.Reconstruction, elbo.Kl, VariationalAutoencoder.PixelModel, options.KlWarmupEpochs)
                : null,
            ReconstructionErrors = outcome.ValidationErrors,
            Scorer = outcome.Scorer,
            Provenance = new ProvenanceInfo(
                "autoencoder-train",
                DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                OnnxExporter.Opset,
                LibraryVersions()),
        };
        File.WriteAllText(Path.Combine(directory, ModelManifest.FileName), manifest.ToJson());
        EpochRecord.WriteCsv(Path.Combine(directory, "history.csv"), outcome.History);

        LossPlot.Save(Path.Combine(directory, "loss.png"), outcome.History, $"{name}: {network.Summary}, {options.Recipe.Name} recipe");
        ReconstructionReport.SaveReconstructions(Path.Combine(directory, "reconstructions.png"), model, testImages, count: 10, options.Seed);
        ReconstructionReport.SaveInterpolation(Path.Combine(directory, "interpolation.png"), model, testImages, options.Seed);
        return manifest;
    }

    private static string NoisyInputs(IReadOnlyList<Noise> noises, int seed) => string.Create(
        CultureInfo.InvariantCulture,
        $"validation and test: outputs for noisy copies of the images ({string.Join(',', noises)}, made once with seed {seed}) against the clean images; " +
        $"train: outputs for each epoch's new noisy copies against the clean images");

    private static string ElboNote(VariationalInfo? variational) =>
        variational is { } info
            ? string.Create(CultureInfo.InvariantCulture, $"  test -elbo {info.TestNegativeElbo:F2} nats (reconstruction {info.TestReconstructionNats:F2}, kl {info.TestKlNats:F2})")
            : string.Empty;

    private static string NoisyInputsNote(MetricsInfo metrics) =>
        metrics.NoisyTestInput is { } noisy ? string.Create(CultureInfo.InvariantCulture, $" on noisy inputs, whose own mse is {noisy.Unit:F5}") : string.Empty;

    private static Dictionary<string, string> LibraryVersions() => new()
    {
        ["dotnet"] = Environment.Version.ToString(),
        ["TorchSharp"] = VersionOf(typeof(TorchSharp.torch)),
        ["OnnxRuntime"] = VersionOf(typeof(Microsoft.ML.OnnxRuntime.InferenceSession)),
        ["Google.Protobuf"] = VersionOf(typeof(Google.Protobuf.ByteString)),
    };

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "unknown";
}
