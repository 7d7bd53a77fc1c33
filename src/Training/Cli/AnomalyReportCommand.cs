using System.CommandLine;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>anomaly-report: how well each model's reconstruction error flags a foreign test set.</summary>
internal sealed class AnomalyReportCommand : Command
{
    private readonly Option<string[]> modelFolders = TypedOptions.Paths(
        "--model", "DIR", "a model folder (encoder.onnx, decoder.onnx, model.json); repeat for more models");

    private readonly Option<string> inDistributionFolder = TypedOptions.Text(
        "--in-distribution", "DIR", "MNIST-format IDX files like the models' training data; the test images are scored", required: true);

    private readonly Option<string> outOfDistributionFolder = TypedOptions.Text(
        "--out-of-distribution", "DIR", "MNIST-format IDX files of something else (e.g. Fashion-MNIST); the test images are scored", required: true);

    private readonly Option<string> outputFolder = TypedOptions.Text("--out", "DIR", "also write anomaly.md there");

    private readonly Option<int?> limit = TypedOptions.WholeNumber("--limit", 2, int.MaxValue, "use only the first N test images of each set (quick runs)");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads; default: all cores");

    public AnomalyReportCommand()
        : base("anomaly-report", "How well each model's reconstruction error tells a foreign test set from its own.")
    {
        Option[] options = [modelFolders, inDistributionFolder, outOfDistributionFolder, outputFolder, limit, threads];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var modelDirectories = parseResult.GetRequiredValue(modelFolders);
        var inDistribution = ImageDataset.LoadIdx(parseResult.GetRequiredValue(inDistributionFolder));
        var outOfDistribution = ImageDataset.LoadIdx(parseResult.GetRequiredValue(outOfDistributionFolder));
        var outputDirectory = parseResult.GetValue(outputFolder);
        var count = parseResult.GetValue(limit) ?? int.MaxValue;
        var threadCount = parseResult.GetValue(threads) ?? Environment.ProcessorCount;
        if (inDistribution.Name == outOfDistribution.Name)
        {
            throw new UsageException($"--in-distribution and --out-of-distribution are both '{inDistribution.Name}'");
        }

        var results = new List<AnomalyResult>();
        foreach (var directory in modelDirectories)
        {
            using var model = ExportedAutoencoder.Open(directory, threadCount);
            results.Add(AnomalyReport.Measure(
                model,
                inDistribution.Test.Images.Take(count),
                inDistribution.Name,
                outOfDistribution.Test.Images.Take(count),
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
