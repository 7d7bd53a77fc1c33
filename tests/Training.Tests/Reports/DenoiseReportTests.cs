using System.Globalization;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Tests.Reports;

/// <summary>denoise-report end to end on a few test images.</summary>
public sealed class DenoiseReportTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task DenoiseReportWritesTableCsvAndPictureWithEveryNoiseSettingAndMethod()
    {
        var output = temp.File("report");
        var model = Path.Combine(TestData.RepositoryRoot, "models", "mnist");

        var (exitCode, log, error) = await Run(
            "denoise-report", "--model", model, "--data", TestData.Mnist, "--images", "20", "--tuning-images", "40", "--threads", "2", "--out", output);

        Assert.True(exitCode == 0, error);
        var png = File.ReadAllBytes(Path.Combine(output, "denoise.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        var markdown = File.ReadAllText(Path.Combine(output, "denoise.md"));
        Assert.Contains(markdown, log, StringComparison.Ordinal);
        Assert.Contains("## mnist\n", markdown, StringComparison.Ordinal);
        Assert.Contains("| noise | noisy | median 3x3 | NLM (h) | mnist |\n", markdown, StringComparison.Ordinal);
        string[] settings = ["gaussian:0.1", "gaussian:0.3", "gaussian:0.5", "salt-pepper:0.1", "salt-pepper:0.2", "salt-pepper:0.3", "mask:0.25", "mask:0.5"];
        var tableRows = markdown.Split('\n').Where(line => settings.Any(setting => line.StartsWith($"| {setting} |", StringComparison.Ordinal))).ToArray();
        Assert.Equal(settings, tableRows.Select(row => row.Split('|', StringSplitOptions.TrimEntries)[1]));
        Assert.All(tableRows, row => Assert.Equal(1 + 4, row.Split('|', StringSplitOptions.TrimEntries).Length - 2));

        var rows = File.ReadAllLines(Path.Combine(output, "denoise.csv"));
        Assert.Equal("dataset,noise,method,nlm_h,psnr_db,ssim", rows[0]);
        var scores = rows[1..].Select(row => row.Split(',')).ToArray();
        Assert.Equal(settings.Length * 4, scores.Length);
        double Psnr(string noise, string method) =>
            double.Parse(scores.Single(row => row[1] == noise && row[2] == method)[4], CultureInfo.InvariantCulture);

        // Gaussian noise of deviation 0.5, clipped to [0,1], leaves MNIST digits about 9 to 10 dB from clean.
        Assert.InRange(Psnr("gaussian:0.5", "noisy"), 7, 12);
        Assert.True(Psnr("gaussian:0.3", "NLM") > Psnr("gaussian:0.3", "noisy") + 1, "non-local means should improve on the noisy images");
        Assert.True(Psnr("salt-pepper:0.1", "median 3x3") > Psnr("salt-pepper:0.1", "noisy") + 3, "the median filter should remove most salt and pepper");
        Assert.All(scores, row => Assert.InRange(double.Parse(row[5], CultureInfo.InvariantCulture), -1, 1));
        Assert.All(
            scores.Where(row => row[2] == "NLM"),
            row => Assert.Contains(float.Parse(row[3], CultureInfo.InvariantCulture), Denoising.StrengthGrid.SelectMany(Denoising.RefinedStrengths)));
    }

    [Fact]
    public async Task DenoiseReportRefusesMoreImagesThanTheTestSetHolds()
    {
        var (exitCode, _, error) = await Run(
            "denoise-report", "--model", Path.Combine(TestData.RepositoryRoot, "models", "mnist"), "--data", TestData.Mnist, "--images", "9900", "--out", temp.File("x"));

        Assert.Equal(2, exitCode);
        Assert.Equal("error: --images 9900 and --tuning-images 200 need 10100 test images; mnist has 10000", error.TrimEnd());
    }

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
