using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>anomaly-report: how well each model's reconstruction error flags a foreign test set.</summary>
internal static class AnomalyReportCommand
{
    public const string Usage = """
        anomaly-report --model DIR [--model DIR ...] --in-distribution DIR --out-of-distribution DIR [options]
          --model DIR                   a model folder (encoder.onnx, decoder.onnx, model.json); repeat for more models
          --in-distribution DIR         MNIST-format IDX files like the models' training data; the test images are scored
          --out-of-distribution DIR     MNIST-format IDX files of something else (e.g. Fashion-MNIST); the test images are scored
          --out DIR                     also write anomaly.md there
          --limit N                     use only the first N test images of each set (quick runs)
          --threads N                   CPU threads; default: all cores
        """;

    private static readonly HashSet<string> Options = ["--model", "--in-distribution", "--out-of-distribution", "--out", "--limit", "--threads"];

    private static readonly HashSet<string> Repeatable = ["--model"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = Arguments.Parse(args, Options, new HashSet<string>(), Repeatable);
        var modelDirectories = arguments.Strings("--model");
        var inDistribution = MnistDataset.Load(arguments.RequiredString("--in-distribution"));
        var outOfDistribution = MnistDataset.Load(arguments.RequiredString("--out-of-distribution"));
        var outputDirectory = arguments.String("--out");
        var limit = arguments.Int("--limit", 2, int.MaxValue) ?? int.MaxValue;
        var threads = arguments.Int("--threads", 1, 1024) ?? Environment.ProcessorCount;
        if (inDistribution.Name == outOfDistribution.Name)
        {
            throw new UsageException($"--in-distribution and --out-of-distribution are both '{inDistribution.Name}'");
        }

        var results = new List<AnomalyResult>();
        foreach (var directory in modelDirectories)
        {
            using var model = ExportedAutoencoder.Open(directory, threads);
            results.Add(AnomalyReport.Measure(
                model,
                inDistribution.Test.Images.Take(limit),
                inDistribution.Name,
                outOfDistribution.Test.Images.Take(limit),
                outOfDistribution.Name));
        }

        var markdown = AnomalyReport.Markdown(results, inDistribution.Name, outOfDistribution.Name);
        output.Write(markdown);
        if (outputDirectory is not null)
        {
            Directory.CreateDirectory(outputDirectory);
            File.WriteAllText(Path.Combine(outputDirectory, AnomalyReport.MarkdownFileName), markdown);
            output.WriteLine($"wrote {AnomalyReport.MarkdownFileName} to {outputDirectory}");
        }

        return 0;
    }
}
