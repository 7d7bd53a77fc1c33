using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Cli;

namespace Autoencoder.Training.Tests.Reports;

/// <summary>The report commands end to end, on the bundled model and the first few hundred test images.</summary>
public sealed class ReportCommandsTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    private static string BundledMnist => Path.Combine(TestData.RepositoryRoot, "models", "mnist");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task RateDistortionWritesTableCsvAndPlotForEachModelPcaAndJpeg()
    {
        var output = temp.File("report");

        var (exitCode, log, error) = await Run("rate-distortion", "--model", BundledMnist, "--data", TestData.Mnist, "--out", output, "--limit", "200", "--threads", "2");

        Assert.True(exitCode == 0, error);
        var png = File.ReadAllBytes(Path.Combine(output, "rate-distortion.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var markdown = File.ReadAllText(Path.Combine(output, "rate-distortion.md"));
        Assert.Contains(markdown, log, StringComparison.Ordinal);
        Assert.Contains("| mnist (fc) | float32 | 80 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| mnist (fc) | float16 | 40 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| mnist (fc) | int8, scale ", markdown, StringComparison.Ordinal);
        Assert.Contains("| PCA (20 components) | float32 | 80 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| JPEG quality 15 | entropy-coded part (whole file) |", markdown, StringComparison.Ordinal);

        var rows = File.ReadAllLines(Path.Combine(output, "rate-distortion.csv"));
        Assert.Equal("method,storage,jpeg_quality,bytes_per_image,mse", rows[0]);
        var points = rows[1..].Select(row => row.Split(',')).ToArray();
        Assert.Equal(3 + 3 + (95 * 2), points.Length);
        double Mse(string[] row) => double.Parse(row[^1], CultureInfo.InvariantCulture);
        double Bytes(string[] row) => double.Parse(row[^2], CultureInfo.InvariantCulture);

        // The model's float32 latents lose nothing: their error is the model's own reconstruction error on these
        // digits; float16 and int8 add a little, never remove any.
        var model = points.Where(row => row[0] == "mnist (fc)").ToArray();
        Assert.Equal([80.0, 40.0, 20.0], model.Select(Bytes));
        Assert.InRange(Mse(model[0]), 0.004, 0.012);
        Assert.InRange(Mse(model[1]), Mse(model[0]) - 1e-5, Mse(model[0]) + 1e-4);
        Assert.InRange(Mse(model[2]), Mse(model[0]) - 1e-5, Mse(model[0]) + 1e-3);

        // JPEG: files carry hundreds of bytes of headers; the entropy-coded part shrinks as quality drops, and error grows.
        var files = points.Where(row => row[1] == "file").ToArray();
        var scans = points.Where(row => row[1] == "entropy-coded").ToArray();
        Assert.All(files, row => Assert.True(Bytes(row) > 300, $"a {Bytes(row)}-byte JPEG"));
        Assert.True(Bytes(scans[0]) < 60 && Bytes(scans[^1]) > 250);
        Assert.True(Mse(scans[0]) > 10 * Mse(scans[^1]));
    }

    [Fact]
    public async Task AnomalyReportScoresFashionAboveDigitsAndSaysWhereItsThresholdComesFrom()
    {
        var (exitCode, log, error) = await Run(
            "anomaly-report", "--model", BundledMnist, "--in-distribution", TestData.Mnist, "--out-of-distribution", TestData.FashionMnist,
            "--limit", "200", "--threads", "2", "--out", temp.Path);

        Assert.True(exitCode == 0, error);
        Assert.Equal(log[..log.IndexOf("wrote", StringComparison.Ordinal)], File.ReadAllText(temp.File("anomaly.md")));
        var row = log.Split('\n').Single(line => line.StartsWith("| mnist |", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries);
        var auc = double.Parse(row[4], CultureInfo.InvariantCulture);
        Assert.InRange(auc, 0.97, 1.0);
        Assert.InRange(double.Parse(row[6].TrimEnd('%'), CultureInfo.InvariantCulture), 80, 100);
        Assert.Contains("mnist: the threshold is the 99th percentile recorded in model.json (validation, 1,000 images)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnomalyReportFallsBackToTheTestErrorsWhenModelJsonRecordsNoValidationErrors()
    {
        var model = CopyBundledMnist(reconstructionErrors: null);

        var (exitCode, log, error) = await Run(
            "anomaly-report", "--model", model, "--in-distribution", TestData.Mnist, "--out-of-distribution", TestData.FashionMnist, "--limit", "100");

        Assert.True(exitCode == 0, error);
        Assert.Contains("mnist: the threshold is the 99th percentile of the mnist test images' own errors (model.json records no validation errors)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnomalyReportUsesTheValidationPercentilesInModelJsonWhenPresent()
    {
        // A threshold of 0.99 (near the largest possible MSE): nothing is above it.
        var model = CopyBundledMnist(new ReconstructionErrors("validation", 1000, 0.5, [.. Enumerable.Range(0, 101).Select(p => p / 100.0)]));

        var (exitCode, log, error) = await Run(
            "anomaly-report", "--model", model, "--in-distribution", TestData.Mnist, "--out-of-distribution", TestData.FashionMnist, "--limit", "100");

        Assert.True(exitCode == 0, error);
        Assert.Contains("| 0.99000 | 0.0% | 0.0% |", log, StringComparison.Ordinal);
        Assert.Contains("the threshold is the 99th percentile recorded in model.json (validation, 1,000 images)", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: Option '--model' is required.", "rate-distortion", "--data", "x", "--out", "y")]
    [InlineData("error: Option '--out' is required.", "rate-distortion", "--model", "m", "--data", "x")]
    [InlineData("error: Option '--model' is required.", "anomaly-report", "--in-distribution", "x", "--out-of-distribution", "y")]
    [InlineData("error: --labels is needed with IDX images (--images FILE); a folder of pictures is labelled by its class folders", "latent-map", "--model", "m", "--images", "x")]
    [InlineData("error: --labels is for IDX images; a folder of pictures is labelled by its class folders", "latent-map", "--model", "m", "--images", ".", "--labels", "l")]
    public async Task MissingOptionsAreNamed(string message, params string[] args)
    {
        var (exitCode, _, error) = await Run(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, error.TrimEnd());
    }

    [Fact]
    public async Task AFolderWithoutModelJsonIsNamed()
    {
        var (exitCode, _, error) = await Run("rate-distortion", "--model", temp.Path, "--data", TestData.Mnist, "--out", temp.File("out"), "--limit", "50");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"error: {temp.File("model.json")}: model.json not found", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private string CopyBundledMnist(ReconstructionErrors? reconstructionErrors)
    {
        var model = temp.File("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(BundledMnist, "*.onnx"))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        var manifest = ModelManifest.Load(Path.Combine(BundledMnist, ModelManifest.FileName)) with { ReconstructionErrors = reconstructionErrors };
        File.WriteAllText(Path.Combine(model, ModelManifest.FileName), manifest.ToJson());
        return model;
    }
}
