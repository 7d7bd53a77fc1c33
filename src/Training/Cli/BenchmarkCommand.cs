using System.Globalization;
using Autoencoder.Training.Data;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Training;

namespace Autoencoder.Training.Cli;

/// <summary>benchmark: seconds per training epoch of a recipe's model, measured by the real training loop.</summary>
internal static class BenchmarkCommand
{
    public const string Usage = """
        benchmark --data DIR [options]
          --data DIR          folder with MNIST-format IDX files (e.g. Fashion-MNIST's 60,000 images)
          --recipe NAME       default or article; default: article
          --arch KIND         fc or conv; default fc (see train for --hidden, --channels, --convolutions, --latent)
          --epochs N          epochs to time; the first is a warm-up and not counted; default 4
          --batch-size N      override the recipe's batch size
          --threads N         CPU threads; default 2
          --seed N            random seed; default 1
        """;

    private static readonly HashSet<string> Options =
        ["--data", "--recipe", "--arch", "--hidden", "--channels", "--convolutions", "--latent", "--epochs", "--batch-size", "--threads", "--seed"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = Arguments.Parse(args, Options, new HashSet<string>());
        var options = new TrainingOptions
        {
            DataDirectory = arguments.RequiredString("--data"),
            OutputDirectory = "",
            Recipe = arguments.Choice("--recipe", Recipe.All) ?? Recipe.Article,
            Network = arguments.Network(),
            Epochs = arguments.Int("--epochs", 2, 1000) ?? 4,
            BatchSize = arguments.Int("--batch-size", 1, 1_000_000),
            Threads = arguments.Int("--threads", 1, 1024) ?? 2,
            Seed = arguments.Int("--seed", 0, int.MaxValue) ?? 1,
            Device = DeviceChoice.Cpu,
        };

        var dataset = MnistDataset.Load(options.DataDirectory);
        var outcome = new Trainer(options, new ConsoleProgress(output, interactive: false)).Run(dataset, CancellationToken.None);
        outcome.Model.Dispose();

        var timed = outcome.History.Skip(1).Select(record => record.TrainSeconds).Order().ToArray();
        var median = timed[timed.Length / 2];
        var images = outcome.TrainImages;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"benchmark: {options.Recipe.Name} recipe, {options.Network.Kind.ToString().ToLowerInvariant()}, {images} training images, batch {options.EffectiveBatchSize}, {options.Threads} threads: " +
            $"median {median:F2} s per epoch ({median * 10_000 / images:F2} s per 10,000 images) over {timed.Length} epochs after a warm-up"));
        return 0;
    }
}
