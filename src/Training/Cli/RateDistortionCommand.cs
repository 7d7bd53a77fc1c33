using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>rate-distortion: bytes per image against error for each model's latent, PCA and JPEG, as CSV, markdown and a plot.</summary>
internal static class RateDistortionCommand
{
    public const string Usage = """
        rate-distortion --model DIR [--model DIR ...] --data DIR --out DIR [options]
          --model DIR         a model folder (encoder.onnx, decoder.onnx, model.json); repeat for more models
          --data DIR          MNIST-format IDX files: the test images are measured; the training images fit PCA
                              and choose the int8 scales
          --out DIR           where rate-distortion.csv, rate-distortion.md and rate-distortion.png go
          --limit N           use only the first N training and N test images (quick runs)
          --threads N         CPU threads; default: all cores
        """;

    private static readonly HashSet<string> Options = ["--model", "--data", "--out", "--limit", "--threads"];

    private static readonly HashSet<string> Repeatable = ["--model"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = Arguments.Parse(args, Options, new HashSet<string>(), Repeatable);
        var modelDirectories = arguments.Strings("--model");
        var dataDirectory = arguments.RequiredString("--data");
        var outputDirectory = arguments.RequiredString("--out");
        var limit = arguments.Int("--limit", 20, int.MaxValue);
        var threads = arguments.Int("--threads", 1, 1024) ?? Environment.ProcessorCount;

        var dataset = MnistDataset.Load(dataDirectory);
        if (limit is { } count)
        {
            dataset = dataset with { Train = dataset.Train.Take(count), Test = dataset.Test.Take(count) };
        }

        var models = new List<ExportedAutoencoder>();
        try
        {
            foreach (var directory in modelDirectories)
            {
                models.Add(ExportedAutoencoder.Open(directory, threads));
            }

            var result = RateDistortion.Measure(models, dataset, threads, output.WriteLine);
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
