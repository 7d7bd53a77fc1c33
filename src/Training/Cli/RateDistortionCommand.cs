using System.CommandLine;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>rate-distortion: bytes per image against error for each model's latent, PCA and JPEG, as CSV, markdown and a plot.</summary>
internal sealed class RateDistortionCommand : Command
{
    private readonly Option<string[]> modelFolders = TypedOptions.Paths(
        "--model", "DIR", "a model folder (encoder.onnx, decoder.onnx, model.json); repeat for more models");

    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data",
        "DIR",
        "MNIST-format IDX files, or a folder of pictures read at the models' channels and size (colour-dataset writes one): " +
        "the test images are measured; the training images fit PCA and choose the int8 scales",
        required: true);

    private readonly Option<string> outputFolder = TypedOptions.Text(
        "--out", "DIR", "where rate-distortion.csv, rate-distortion.md and rate-distortion.png go", required: true);

    private readonly Option<int?> limit = TypedOptions.WholeNumber("--limit", 20, int.MaxValue, "use only the first N training and N test images (quick runs)");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads; default: all cores");

    public RateDistortionCommand()
        : base("rate-distortion", "Bytes per image against error for each model's latent, PCA and JPEG, as CSV, markdown and a plot.")
    {
        Option[] options = [modelFolders, dataFolder, outputFolder, limit, threads];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var modelDirectories = parseResult.GetRequiredValue(modelFolders);
        var dataDirectory = parseResult.GetRequiredValue(dataFolder);
        var outputDirectory = parseResult.GetRequiredValue(outputFolder);
        var threadCount = parseResult.GetValue(threads) ?? Environment.ProcessorCount;

        var models = new List<ExportedAutoencoder>();
        try
        {
            foreach (var directory in modelDirectories)
            {
                models.Add(ExportedAutoencoder.Open(directory, threadCount));
            }

            // Pictures are read as the first model takes them; a model that takes other images is named when measured.
            var dataset = TrainCommand.LoadData(dataDirectory, models[0].Manifest.Image, seed: 1);
            if (parseResult.GetValue(limit) is { } count)
            {
                dataset = dataset with { Train = dataset.Train.Take(count), Test = dataset.Test.Take(count) };
            }

            var result = RateDistortion.Measure(models, dataset, threadCount, output.WriteLine);
            var markdown = RateDistortionReport.Save(result, outputDirectory);
            output.WriteLine();
            output.Write(markdown);
            output.WriteLine();
            output.WriteLine($"wrote {RateDistortionReport.CsvFileName}, {RateDistortionReport.MarkdownFileName} and {RateDistortionReport.PlotFileName} to {outputDirectory}");
            return 0;
        }
        finally
        {
            models.ForEach(model => model.Dispose());
        }
    }
}
