using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Tests.Reports;

/// <summary>generation-report end to end on real MNIST: a bundled model given a prior fitted to its codes, PCA and the training images.</summary>
public sealed class GenerationReportTests : IDisposable
{
    private const int Images = 1000;
    private const int Samples = 300;

    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    private static string BundledMnistConv => Path.Combine(TestData.RepositoryRoot, "models", "mnist-conv");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task WritesTableCsvAndPictureWithOneRowPerGeneratorAndTheTrainingImagesAsTheFloor()
    {
        var model = CopyWithFittedPrior(BundledMnistConv, new VariationalInfo("log_variance", 101.25, 80, 21.25, "bernoulli", 5));
        var output = temp.File("report");

        var (exitCode, log, error) = await Run(Arguments(model, output));

        Assert.True(exitCode == 0, error);
        Assert.Contains("classifier: saved to", log, StringComparison.Ordinal);
        var png = File.ReadAllBytes(Path.Combine(output, GenerationReport.PictureFileName));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        var rows = File.ReadAllLines(Path.Combine(output, GenerationReport.CsvFileName));
        var header = rows[0].Split(',');
        Assert.Equal(["generator", "kind", "samples", "frechet_distance", "smallest_class_share", "largest_class_share"], header[..6]);
        Assert.Equal("test_negative_elbo_nats", header[^1]);
        var generators = rows[1..].Select(row => row.Split(',')).ToDictionary(row => row[0]);
        Assert.Equal(["mnist-conv", "PCA-20", "training images"], rows[1..].Select(row => row.Split(',')[0]));
        Assert.Equal("gaussian prior", generators["mnist-conv"][1]);
        Assert.All(generators.Values, row => Assert.Equal(Samples.ToString(CultureInfo.InvariantCulture), row[2]));
        Assert.Equal("101.25", generators["mnist-conv"][^1]);
        Assert.Equal(string.Empty, generators["PCA-20"][^1]);

        double Number(string[] row, int column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        foreach (var row in generators.Values)
        {
            double[] shares = [.. Enumerable.Range(6, 10).Select(column => Number(row, column))];
            Assert.Equal(1, shares.Sum(), 9);
            Assert.Equal(shares.Min(), Number(row, 4));
            Assert.Equal(shares.Max(), Number(row, 5));
            Assert.True(Number(row, 3) > 0, $"{row[0]}: FD {row[3]}");
        }

        // Real images score better than PCA's blurred blends of components.
        Assert.True(Number(generators["training images"], 3) < Number(generators["PCA-20"], 3), $"training images {generators["training images"][3]}, PCA {generators["PCA-20"][3]}");

        var markdown = File.ReadAllText(Path.Combine(output, GenerationReport.MarkdownFileName));
        Assert.Contains(markdown, log, StringComparison.Ordinal);
        Assert.Contains("| generator | FD | smallest / largest class share | test −ELBO (nats) |", markdown, StringComparison.Ordinal);
        Assert.Contains("| mnist-conv (gaussian prior) | ", markdown, StringComparison.Ordinal);
        Assert.Contains(" | 101.25 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| PCA-20 (Gaussian coefficients) | ", markdown, StringComparison.Ordinal);
        Assert.Contains("| training images (the first 300) | ", markdown, StringComparison.Ordinal);
        Assert.Matches(@"test accuracy \d+\.\d\d% on the 1,000 test images", markdown);
        Assert.Contains("autoencoder-train generation-report --model " + model, markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondRunReusesTheSavedClassifierAndGivesTheSameFigures()
    {
        var model = CopyWithFittedPrior(BundledMnistConv, variational: null);
        var first = temp.File("first");
        var second = temp.File("second");
        var classifier = temp.File("classifier.bin");

        var (firstExit, firstLog, firstError) = await Run([.. Arguments(model, first), "--classifier", classifier]);
        var (secondExit, secondLog, secondError) = await Run([.. Arguments(model, second), "--classifier", classifier]);

        Assert.True(firstExit == 0, firstError);
        Assert.True(secondExit == 0, secondError);
        Assert.Contains("classifier: epoch 1/1", firstLog, StringComparison.Ordinal);
        Assert.DoesNotContain("classifier: epoch", secondLog, StringComparison.Ordinal);
        Assert.Contains($"classifier: {classifier} (trained before on the same", secondLog, StringComparison.Ordinal);
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
