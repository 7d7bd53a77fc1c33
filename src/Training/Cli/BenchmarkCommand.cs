using System.CommandLine;
using System.Globalization;
using Autoencoder.Training.Data;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Fitting;

namespace Autoencoder.Training.Cli;

/// <summary>benchmark: seconds per training epoch of a recipe's model, measured by the real training loop.</summary>
internal sealed class BenchmarkCommand : Command
{
    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data", "DIR", "folder with MNIST-format IDX files (e.g. Fashion-MNIST's 60,000 images)", required: true);

    private readonly Option<Recipe?> recipe = TypedOptions.OneOf(
        "--recipe", Recipe.All, TypedOptions.WithDefault("default or article", Recipe.Article.Name));

    private readonly NetworkArguments network = new();

    private readonly Option<int> epochs = TypedOptions.WholeNumber(
        "--epochs", 2, 1000, 4, "epochs to time; the first is a warm-up and not counted");

    private readonly Option<int?> batchSize = TypedOptions.WholeNumber("--batch-size", 1, 1_000_000, "override the recipe's batch size");

    private readonly Option<int> threads = TypedOptions.WholeNumber("--threads", 1, 1024, 2, "CPU threads");

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "random seed");

    public BenchmarkCommand()
        : base("benchmark", "Times training epochs of a recipe's model with the real training loop, on the CPU.")
    {
        Option[] options = [dataFolder, recipe, .. network.Options, epochs, batchSize, threads, seed];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var options = new TrainingOptions
        {
            DataDirectory = parseResult.GetRequiredValue(dataFolder),
            OutputDirectory = "",
            Recipe = parseResult.GetValue(recipe) ?? Recipe.Article,
            Network = network.Read(parseResult),
            Epochs = parseResult.GetValue(epochs),
            BatchSize = parseResult.GetValue(batchSize),
            Threads = parseResult.GetValue(threads),
            Seed = parseResult.GetValue(seed),
            Device = DeviceChoice.Cpu,
        };

        var dataset = ImageDataset.LoadIdx(options.DataDirectory);
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
