using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Tests.Reports;

/// <summary>generation-report end to end on real MNIST: a bundled model given a prior fitted to its codes, PCA and the training images, each judged by every classifier.</summary>
public sealed class GenerationReportTests : IDisposable
{
    private const int Images = 1000;
    private const int Samples = 300;

    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    private static string BundledMnistConv => Path.Combine(TestData.RepositoryRoot, "models", "mnist-conv");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task WritesTableCsvAndPictureWithOneRowPerGeneratorAndClassifierAndTheTrainingImagesAsTheFloor()
    {
        var model = CopyWithFittedPrior(BundledMnistConv, new VariationalInfo("log_variance", 101.25, 80, 21.25, "bernoulli", 5));
        var output = temp.File("report");

        var (exitCode, log, error) = await Run(Arguments(model, output));

        Assert.True(exitCode == 0, error);
        Assert.Contains("classifier LeNet: saved to", log, StringComparison.Ordinal);
        Assert.Contains("classifier VGG: saved to", log, StringComparison.Ordinal);
        var png = File.ReadAllBytes(Path.Combine(output, GenerationReport.PictureFileName));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        var rows = File.ReadAllLines(Path.Combine(output, GenerationReport.CsvFileName));
        var header = rows[0].Split(',');
        Assert.Equal(["generator", "kind", "classifier", "samples", "frechet_distance", "smallest_class_share", "largest_class_share"], header[..7]);
        Assert.Equal("test_negative_elbo_nats", header[^1]);
        var cells = rows[1..].Select(row => row.Split(',')).ToArray();
        Assert.Equal(
            ["mnist-conv LeNet", "mnist-conv VGG", "PCA-20 LeNet", "PCA-20 VGG", "training images LeNet", "training images VGG"],
            cells.Select(row => $"{row[0]} {row[2]}"));
        var generators = cells.ToDictionary(row => (row[0], row[2]));
        Assert.Equal("gaussian prior", generators[("mnist-conv", "LeNet")][1]);
        Assert.All(cells, row => Assert.Equal(Samples.ToString(CultureInfo.InvariantCulture), row[3]));
        Assert.Equal("101.25", generators[("mnist-conv", "VGG")][^1]);
        Assert.Equal(string.Empty, generators[("PCA-20", "LeNet")][^1]);

        double Number(string[] row, int column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        foreach (var row in cells)
        {
            double[] shares = [.. Enumerable.Range(7, 10).Select(column => Number(row, column))];
            Assert.Equal(1, shares.Sum(), 9);
            Assert.Equal(shares.Min(), Number(row, 5));
            Assert.Equal(shares.Max(), Number(row, 6));
            Assert.True(Number(row, 4) > 0, $"{row[0]} by {row[2]}: FD {row[4]}");
        }

        // Real images score better than PCA's blurred blends of components, whichever network looks.
        foreach (var classifier in new[] { "LeNet", "VGG" })
        {
            var (floor, pca) = (generators[("training images", classifier)][4], generators[("PCA-20", classifier)][4]);
            Assert.True(double.Parse(floor, CultureInfo.InvariantCulture) < double.Parse(pca, CultureInfo.InvariantCulture), $"{classifier}: training images {floor}, PCA {pca}");
        }

        var markdown = File.ReadAllText(Path.Combine(output, GenerationReport.MarkdownFileName));
        Assert.Contains(markdown, log, StringComparison.Ordinal);
        Assert.Contains(
            "| generator | LeNet FD | LeNet smallest / largest class share | VGG FD | VGG smallest / largest class share | test −ELBO (nats) |",
            markdown,
            StringComparison.Ordinal);
        Assert.Matches(@"\| mnist-conv \(gaussian prior\) \| \d+\.\d\d \| \d+\.\d% / \d+\.\d% \| \d+\.\d\d \| \d+\.\d% / \d+\.\d% \| 101\.25 \|", markdown);
        Assert.Contains("| PCA-20 (Gaussian coefficients) | ", markdown, StringComparison.Ordinal);
        Assert.Contains("| training images (the first 300) | ", markdown, StringComparison.Ordinal);
        Assert.Matches(@"- LeNet \(two 5x5 convolutions[^)]*\): 1 epoch, seed 1, 1,000 training images; test accuracy \d+\.\d\d% on the 1,000 test images", markdown);
        Assert.Matches(@"- VGG \(a small VGG[^)]*\): 1 epoch, seed 2, 1,000 training images; test accuracy \d+\.\d\d% on the 1,000 test images", markdown);
        Assert.Contains("autoencoder-train generation-report --model " + model, markdown, StringComparison.Ordinal);
        Assert.Matches(@"mnist-conv \(gaussian prior\): LeNet FD \d+\.\d\d, class shares [\d.]+% to [\d.]+%; VGG FD \d+\.\d\d, class shares", log);
    }

    [Fact]
    public async Task ASecondRunReusesTheSavedClassifierAndGivesTheSameFigures()
    {
        var model = CopyWithFittedPrior(BundledMnistConv, variational: null);
        var first = temp.File("first");
        var second = temp.File("second");
        var classifiers = temp.File("classifiers");

        var (firstExit, firstLog, firstError) = await Run([.. Arguments(model, first), "--classifiers", classifiers]);
        var (secondExit, secondLog, secondError) = await Run([.. Arguments(model, second), "--classifiers", classifiers]);

        Assert.True(firstExit == 0, firstError);
        Assert.True(secondExit == 0, secondError);
        Assert.Contains("classifier LeNet: epoch 1/1", firstLog, StringComparison.Ordinal);
        Assert.Contains("classifier VGG: epoch 1/1", firstLog, StringComparison.Ordinal);
        Assert.DoesNotContain(": epoch", secondLog, StringComparison.Ordinal);
        Assert.Contains($"classifier LeNet: {Path.Combine(classifiers, "lenet.bin")} (trained before on the same", secondLog, StringComparison.Ordinal);
        Assert.Contains($"classifier VGG: {Path.Combine(classifiers, "vgg.bin")} (trained before on the same", secondLog, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(first, GenerationReport.CsvFileName)), File.ReadAllText(Path.Combine(second, GenerationReport.CsvFileName)));
    }

    [Fact]
    public async Task AModelWithoutAPriorIsNamed()
    {
        var model = CopyOf(BundledMnistConv, "without-prior", manifest => manifest with { Prior = null });

        var (exitCode, _, error) = await Run(Arguments(model, temp.File("out")));

        Assert.Equal(2, exitCode);
        Assert.Equal($"error: {Path.Combine(model, ModelManifest.FileName)}: no prior: model.json says nothing to sample codes from", error.TrimEnd());
    }

    private static string[] Arguments(string model, string output) =>
        ["generation-report", "--model", model, "--data", TestData.Mnist, "--out", output,
         "--samples", $"{Samples}", "--limit", $"{Images}", "--classifier-epochs", "1", "--threads", "1"];

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A copy of a bundled model's ONNX files in a folder of the temp directory, with its model.json edited.</summary>
    private string CopyOf(string bundled, string folder, Func<ModelManifest, ModelManifest> edit)
    {
        var model = temp.File(folder);
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(bundled, "*.onnx"))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        var manifest = edit(ModelManifest.Load(Path.Combine(bundled, ModelManifest.FileName)));
        File.WriteAllText(Path.Combine(model, ModelManifest.FileName), manifest.ToJson());
        return model;
    }

    /// <summary>A copy of a bundled model whose model.json has a Gaussian fitted to the codes of the first training images.</summary>
    private string CopyWithFittedPrior(string bundled, VariationalInfo? variational)
    {
        float[] codes;
        int size;
        using (var autoencoder = ExportedAutoencoder.OpenEncoder(bundled, threads: 1))
        {
            var images = ImageDataset.LoadIdx(TestData.Mnist).Train.Images.Take(Images);
            codes = autoencoder.Encode(autoencoder.Pixels(images, "mnist"), Images);
            size = autoencoder.LatentSize;
        }

        double[] mean = [.. Enumerable.Range(0, size).Select(j => Enumerable.Range(0, Images).Average(i => (double)codes[(i * size) + j]))];
        double[][] covariance = [.. Enumerable.Range(0, size).Select(j => Enumerable.Range(0, size)
            .Select(k => Enumerable.Range(0, Images).Sum(i => (codes[(i * size) + j] - mean[j]) * (codes[(i * size) + k] - mean[k])) / (Images - 1))
            .ToArray())];
        var prior = new LatentPrior
        {
            Kind = LatentPrior.GaussianKind,
            FittedTo = $"codes of the first {Images} training images",
            Components = [new PriorComponent(1, mean, covariance)],
        };

        return CopyOf(bundled, "model", manifest => manifest with { Prior = prior, Variational = variational });
    }
}
