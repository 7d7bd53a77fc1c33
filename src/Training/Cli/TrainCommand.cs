using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Export;
using Autoencoder.Training.Models;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Reports;
using Autoencoder.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Cli;

/// <summary>train: data in, encoder.onnx + decoder.onnx + model.json + history and pictures out.</summary>
internal static class TrainCommand
{
    public const string Usage = """
        train --data DIR --out DIR [options]
          --data DIR          MNIST-format IDX files (.gz or raw), or a folder of PNG/JPEG pictures (class sub-folders
                              become labels; "train" and "test" sub-folders become the splits, else a tenth is the test split)
          --out DIR           where encoder.onnx, decoder.onnx, model.json, history.csv and the pictures go
          --recipe NAME       default (recommended) or article (the article's exact recipe); default: default
          --arch KIND         fc (the article's fully connected network) or conv (strided convolutions); default fc
          --name NAME         model name in model.json; default: the data folder's name
          --epochs N          override the recipe's epoch count
          --batch-size N      override the recipe's batch size
          --hidden N          fc: hidden layer width; default 100
          --channels A,B,...  conv: channels of each stage, each halving the image; default 32,64
          --convolutions N    conv: 3x3 convolutions a stage, the last strided; default 2
          --latent N          latent size; default 20
          --validation F      share of the training images held out to choose the best epoch; default 0.1
          --augment KIND      shift, flip or none; default: shift for MNIST digits, none otherwise
          --image-handling H  how the API prepares uploads for this model: mnist-digit, fit or none;
                              default: mnist-digit for MNIST digits, fit otherwise
          --image-size HxW    size pictures from a folder are resized to; default 28x28
          --seed N            random seed; default 1
          --threads N         CPU threads; default: all cores
          --limit N           use only the first N training and N test images (quick runs)
          --device D          auto, cpu or cuda; default auto
          --download          fetch the MNIST files into --data first, verifying their SHA-256
          --mirror URL        base URL to fetch from; default the usual public mirror
          --checksums FILE    sha256sum-style digests to verify against instead of the original files'
        """;

    private static readonly HashSet<string> Options =
    [
        "--data", "--out", "--recipe", "--arch", "--name", "--epochs", "--batch-size", "--hidden", "--channels", "--convolutions", "--latent",
        "--validation", "--augment", "--image-handling", "--image-size", "--seed", "--threads", "--limit", "--device", "--mirror", "--checksums",
    ];

    private static readonly HashSet<string> Switches = ["--download"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = Arguments.Parse(args, Options, Switches);
        var options = new TrainingOptions
        {
            DataDirectory = arguments.RequiredString("--data"),
            OutputDirectory = arguments.RequiredString("--out"),
            Recipe = arguments.Choice("--recipe", Recipe.All) ?? Recipe.Default,
            Network = arguments.Network(),
            Name = arguments.String("--name"),
            Epochs = arguments.Int("--epochs", 1, 100_000),
            BatchSize = arguments.Int("--batch-size", 1, 1_000_000),
            Seed = arguments.Int("--seed", 0, int.MaxValue) ?? 1,
            Threads = arguments.Int("--threads", 1, 1024) ?? Environment.ProcessorCount,
            Limit = arguments.Int("--limit", 1, int.MaxValue),
            ValidationFraction = arguments.Double("--validation", 0.001, 0.5) ?? TrainingOptions.DefaultValidationFraction,
            Augmentation = arguments.Enum<Augmentation>("--augment"),
            Device = arguments.Enum<DeviceChoice>("--device") ?? DeviceChoice.Auto,
        };
        var imageHandling = arguments.Word("--image-handling", ImageHandlings.All);
        var imageSize = arguments.Size("--image-size", 4, 4096);

        if (arguments.Has("--download"))
        {
            var checksums = arguments.String("--checksums") is { } file
                ? MnistDownloader.ReadChecksumFile(file)
                : MnistDownloader.OriginalChecksums;
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            await new MnistDownloader(http, output).DownloadAsync(arguments.Url("--mirror") ?? MnistDownloader.DefaultBaseUrl, options.DataDirectory, checksums, cancellationToken);
        }
        else if (arguments.String("--mirror") is not null || arguments.String("--checksums") is not null)
        {
            throw new UsageException("--mirror and --checksums only make sense with --download");
        }

        var dataset = LoadData(options, imageSize);
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
            var handling = imageHandling ?? DatasetConventions.DefaultImageHandling(dataset.Name);
            var manifest = ModelFolder.Write(options.OutputDirectory, staging => Save(staging, options, dataset, outcome, handling, progress));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"done: {options.OutputDirectory}  best epoch {outcome.Best.Epoch}  val mse {manifest.Metrics.BestValidation.Unit:F5}  " +
                $"test mse {manifest.Metrics.Test.Unit:F5} ({manifest.Metrics.Test.Pixel2:F1} px²)  {outcome.Elapsed.TotalSeconds:F1} s"));
        }

        return outcome.Interrupted ? 130 : 0;
    }

    private static MnistDataset LoadData(TrainingOptions options, (int Height, int Width)? imageSize)
    {
        if (ImageFolderDataset.HoldsIdxFiles(options.DataDirectory))
        {
            if (imageSize is not null)
            {
                throw new UsageException("--image-size is for a folder of pictures; IDX files have their own size");
            }

            return MnistDataset.Load(options.DataDirectory);
        }

        var (height, width) = imageSize ?? (ImageShape.Mnist.Height, ImageShape.Mnist.Width);
        return ImageFolderDataset.Load(options.DataDirectory, height, width, options.Seed);
    }

    private static ModelManifest Save(string directory, TrainingOptions options, MnistDataset dataset, TrainingOutcome outcome, string imageHandling, ConsoleProgress progress)
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
            ["image_handling"] = imageHandling,
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
            Contract = TensorContract.Standard,
            Recipe = options.Recipe.Describe(options.EffectiveEpochs, options.EffectiveBatchSize, DatasetConventions.Describe(outcome.Augmentation)),
            Dataset = new DatasetInfo(
                dataset.Name,
                outcome.TrainImages,
                outcome.ValidationImages,
                string.Create(CultureInfo.InvariantCulture, $"{options.ValidationFraction * 100:0.#}% of the training images, held out at random (seed {options.Seed})"),
                outcome.TestImages,
                "test"),
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
                MeanSquaredError.FromUnit(outcome.TestMse)),
            ReconstructionErrors = outcome.ValidationErrors,
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
