using System.CommandLine;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>denoise-report: PSNR and SSIM of noisy test images, a median filter, non-local means and each model's reconstruction.</summary>
internal sealed class DenoiseReportCommand : Command
{
    private readonly Option<string[]> modelFolders = TypedOptions.Paths(
        "--model", "DIR", "a model folder (encoder.onnx, decoder.onnx, model.json); repeat for more models");

    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data", "DIR", "MNIST-format IDX files: the first test images are measured, the ones after them tune non-local means", required: true);

    private readonly Option<string> outputFolder = TypedOptions.Text(
        "--out", "DIR", "where denoise.md, denoise.csv and denoise.png go", required: true);

    private readonly Option<int> images = TypedOptions.WholeNumber("--images", 1, int.MaxValue, 2000, "measure the first N test images");

    private readonly Option<int> tuningImages = TypedOptions.WholeNumber(
        "--tuning-images", 1, int.MaxValue, 200, "choose non-local means' strength on the N test images after the measured ones");

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "seed of the noise");

    private readonly Option<int?> threads = TypedOptions.WholeNumber("--threads", 1, 1024, "CPU threads; default: all cores");

    public DenoiseReportCommand()
        : base("denoise-report", "PSNR and SSIM of noisy test images, a 3x3 median filter, non-local means and each model's reconstruction.")
    {
        Option[] options = [modelFolders, dataFolder, outputFolder, images, tuningImages, seed, threads];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var modelDirectories = parseResult.GetRequiredValue(modelFolders);
        var dataset = ImageDataset.LoadIdx(parseResult.GetRequiredValue(dataFolder));
        var outputDirectory = parseResult.GetRequiredValue(outputFolder);
        var imageCount = parseResult.GetValue(images);
        var tuningCount = parseResult.GetValue(tuningImages);
        var threadCount = parseResult.GetValue(threads) ?? Environment.ProcessorCount;
        if (imageCount + (long)tuningCount > dataset.Test.Count)
        {
            throw new UsageException($"--images {imageCount} and --tuning-images {tuningCount} need {imageCount + (long)tuningCount} test images; {dataset.Name} has {dataset.Test.Count}");
        }

        var models = new List<ExportedAutoencoder>();
        try
        {
            foreach (var directory in modelDirectories)
            {
                models.Add(ExportedAutoencoder.Open(directory, threadCount));
            }

            var result = Denoising.Measure(models, dataset, imageCount, tuningCount, parseResult.GetValue(seed), threadCount, output.WriteLine);
            var markdown = DenoiseReport.Save(result, outputDirectory);
            output.WriteLine();
            output.Write(markdown);
            output.WriteLine();
            output.WriteLine($"wrote {DenoiseReport.MarkdownFileName}, {DenoiseReport.CsvFileName} and {DenoiseReport.PictureFileName} to {outputDirectory}");
            return 0;
        }
        finally
        {
            models.ForEach(model => model.Dispose());
        }
    }
}
