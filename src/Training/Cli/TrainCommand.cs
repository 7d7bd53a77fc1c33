using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Export;
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
          --data DIR          folder with the four MNIST-format IDX files (.gz or raw)
          --out DIR           where encoder.onnx, decoder.onnx, model.json, history.csv and the pictures go
          --recipe NAME       default (recommended) or article (the article's exact recipe); default: default
          --name NAME         model name in model.json; default: the data folder's name
          --epochs N          override the recipe's epoch count
          --batch-size N      override the recipe's batch size
          --hidden N          hidden layer width; default 100
          --latent N          latent size; default 20
          --seed N            random seed; default 1
          --threads N         CPU threads; default: all cores
          --limit N           use only the first N training and N test images (quick runs)
          --device D          auto, cpu or cuda; default auto
          --download          fetch the MNIST files into --data first, verifying their SHA-256
          --mirror URL        base URL to fetch from; default the usual public mirror
          --checksums FILE    sha256sum-style digests to verify against instead of the original files'
        """;

    private static readonly HashSet<string> Options =
        ["--data", "--out", "--recipe", "--name", "--epochs", "--batch-size", "--hidden", "--latent", "--seed", "--threads", "--limit", "--device", "--mirror", "--checksums"];

    private static readonly HashSet<string> Switches = ["--download"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = Arguments.Parse(args, Options, Switches);
        var options = new TrainingOptions
        {
            DataDirectory = arguments.RequiredString("--data"),
            OutputDirectory = arguments.RequiredString("--out"),
            Recipe = arguments.Choice("--recipe", Recipe.All) ?? Recipe.Default,
            Name = arguments.String("--name"),
            Epochs = arguments.Int("--epochs", 1, 100_000),
            BatchSize = arguments.Int("--batch-size", 1, 1_000_000),
            Hidden = arguments.Int("--hidden", 1, 100_000) ?? Recipe.DefaultHidden,
            Latent = arguments.Int("--latent", 1, 100_000) ?? Recipe.DefaultLatent,
            Seed = arguments.Int("--seed", 0, int.MaxValue) ?? 1,
            Threads = arguments.Int("--threads", 1, 1024) ?? Environment.ProcessorCount,
            Limit = arguments.Int("--limit", 1, int.MaxValue),
            Device = arguments.Enum<DeviceChoice>("--device") ?? DeviceChoice.Auto,
        };

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

        var dataset = MnistDataset.Load(options.DataDirectory);
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
            var manifest = Save(options, dataset, outcome, progress);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"done: {options.OutputDirectory}  best epoch {outcome.Best.Epoch}  val mse {manifest.Metrics.BestValidation.Unit:F5} ({manifest.Metrics.BestValidation.Pixel2:F1} px²)  {outcome.Elapsed.TotalSeconds:F1} s"));
        }

        return outcome.Interrupted ? 130 : 0;
    }

    private static ModelManifest Save(TrainingOptions options, MnistDataset dataset, TrainingOutcome outcome, ConsoleProgress progress)
    {
        var directory = options.OutputDirectory;
        Directory.CreateDirectory(directory);
        var model = outcome.Model;
        var shape = model.Network.Shape;
        var name = options.Name ?? dataset.Name;
        var test = options.Limit is { } limit ? dataset.Test.Take(limit) : dataset.Test;
        using var testImages = Trainer.ToTensor(test.Images, 1f, CPU);
        model.Network.to(CPU);

        var metadata = new Dictionary<string, string>
        {
            ["producer"] = "autoencoder-train",
            ["model"] = name,
            ["architecture"] = $"fc {shape.Image.PixelCount}-{shape.Hidden}-{shape.Latent}",
            ["dataset"] = dataset.Name,
            ["recipe"] = options.Recipe.Name,
            ["latent_size"] = shape.Latent.ToString(CultureInfo.InvariantCulture),
            ["description"] = $"{name}: fully connected autoencoder ({options.Recipe.Name} recipe) trained on {dataset.Name}",
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
            Architecture = new ArchitectureInfo(
                "fc",
                [shape.Image.PixelCount, shape.Hidden, shape.Latent],
                ActivationName(shape.HiddenActivation),
                ActivationName(shape.LatentActivation),
                ActivationName(shape.OutputActivation)),
            Image = shape.Image,
            LatentSize = shape.Latent,
            Contract = TensorContract.Standard,
            Recipe = options.Recipe.Describe(options.EffectiveEpochs, options.EffectiveBatchSize),
            Dataset = new DatasetInfo(dataset.Name, options.Limit is { } n ? Math.Min(n, dataset.Train.Count) : dataset.Train.Count, test.Count, "test"),
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
                MeanSquaredError.FromUnit(outcome.Best.ValidationMse)),
            Provenance = new ProvenanceInfo(
                "autoencoder-train",
                DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                OnnxExporter.Opset,
                LibraryVersions()),
        };
        File.WriteAllText(Path.Combine(directory, ModelManifest.FileName), manifest.ToJson());
        EpochRecord.WriteCsv(Path.Combine(directory, "history.csv"), outcome.History);

        LossPlot.Save(Path.Combine(directory, "loss.png"), outcome.History, $"{name}: {options.Recipe.Name} recipe");
        ReconstructionReport.SaveReconstructions(Path.Combine(directory, "reconstructions.png"), model, testImages, count: 10, options.Seed);
        ReconstructionReport.SaveInterpolation(Path.Combine(directory, "interpolation.png"), model, testImages, options.Seed);
        return manifest;
    }

    private static string ActivationName(Models.Activation activation) => Models.ActivationModules.Name(activation);

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
