using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Data;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Tests.Cli;

/// <summary>Colour end to end: coloured MNIST written by colour-dataset, trained on with --image-channels 3, exported and measured.</summary>
public sealed class ColourTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task ColourDatasetWritesTheSameBytesForTheSameSeedAndOtherColoursForAnother()
    {
        var (first, second, other) = (temp.File("first"), temp.File("second"), temp.File("other"));

        foreach (var (folder, seed) in new[] { (first, "3"), (second, "3"), (other, "4") })
        {
            var (exitCode, _, error) = await Run("colour-dataset", "--data", TestData.Mnist, "--out", folder, "--pad", "32", "--seed", seed, "--limit", "30");
            Assert.True(exitCode == 0, error);
        }

        var files = Files(first);
        Assert.Equal(30 + 30 + 1, files.Length);
        Assert.Equal(files, Files(second));
        Assert.All(files, file => Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file))));
        Assert.Equal(files, Files(other));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, ColouredImages.ColoursFileName)), File.ReadAllBytes(Path.Combine(other, ColouredImages.ColoursFileName)));

        // Labels are the class folders, file names the images' indices: the first t10k digit is a 7, the first training digit a 5.
        Assert.Contains(Path.Combine("test", "7", "00000.png"), files);
        Assert.Contains(Path.Combine("train", "5", "00000.png"), files);
    }

    [Fact]
    public async Task ColouredDigitsHaveInkAndPaperThatVaryBetweenImagesAndDifferClearlyInBrightness()
    {
        var folder = temp.File("coloured");
        var (exitCode, _, error) = await Run("colour-dataset", "--data", TestData.Mnist, "--out", folder, "--pad", "32", "--limit", "40");
        Assert.True(exitCode == 0, error);

        var rows = File.ReadAllLines(Path.Combine(folder, ColouredImages.ColoursFileName))[1..].Select(line => line.Split(',')).ToArray();
        Assert.Equal(80, rows.Length);
        Assert.True(rows.Select(row => row[3]).Distinct().Count() > 70, "ink colours vary");
        Assert.True(rows.Select(row => row[4]).Distinct().Count() > 70, "paper colours vary");
        Assert.Contains(rows, row => Luma(row[3]) > Luma(row[4]));
        Assert.Contains(rows, row => Luma(row[3]) < Luma(row[4]));
        Assert.All(rows, row => Assert.True(Math.Abs(Luma(row[3]) - Luma(row[4])) >= InkAndPaper.MinimumLumaDifference, string.Join(',', row)));

        // The first training digit (a 5): 32x32, its border the paper colour, its brightest MNIST pixel the ink colour.
        var first = rows.Single(row => row[0] == "train" && row[1] == "0");
        using var picture = Image.Load<Rgb24>(Path.Combine(folder, "train", "5", "00000.png"));
        Assert.Equal((32, 32), (picture.Width, picture.Height));
        Assert.Equal(first[4], InkAndPaper.Hex(picture[0, 0]));
        Assert.Equal(first[4], InkAndPaper.Hex(picture[31, 31]));
        var mnist = IdxReader.ReadImages(MnistFiles.Locate(TestData.Mnist, MnistFiles.TrainImages)).Image(0);
        var brightest = mnist.IndexOf(mnist.ToArray().Max());
        Assert.Equal(first[3], InkAndPaper.Hex(picture[2 + (brightest % 28), 2 + (brightest / 28)]));
    }

    [Fact]
    public async Task AColourModelTrainsOnColouredDigitsAndExportsThreeChannelOnnxThatRateDistortionMeasures()
    {
        var data = temp.File("mnist-colour");
        var (made, _, madeError) = await Run("colour-dataset", "--data", TestData.Mnist, "--out", data, "--limit", "60");
        Assert.True(made == 0, madeError);
        var output = temp.File("model");

        var (exitCode, log, error) = await Run(
            "train", "--data", data, "--out", output, "--image-channels", "3", "--arch", "conv", "--channels", "4,8", "--convolutions", "1",
            "--latent", "6", "--epochs", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        Assert.Contains("conv 28x28x3 -> 4 -> 8", log, StringComparison.Ordinal);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal(new ImageShape(3, 28, 28), manifest.Image);
        Assert.Contains("\"channels\": 3", File.ReadAllText(Path.Combine(output, ModelManifest.FileName)), StringComparison.Ordinal);
        Assert.Equal(ImageHandling.Fit, manifest.ImageHandling);
        Assert.Equal("red, green and blue as the image shows them, each 1 at full intensity", manifest.Contract.Polarity);
        Assert.Equal((54, 6, 60), (manifest.Dataset.TrainImages, manifest.Dataset.ValidationImages, manifest.Dataset.TestImages));
        Assert.InRange(manifest.Metrics.Test.Unit, 1e-4, 0.5);

        using (var encoder = new InferenceSession(Path.Combine(output, ModelManifest.EncoderFileName)))
        using (var decoder = new InferenceSession(Path.Combine(output, ModelManifest.DecoderFileName)))
        {
            Assert.Equal([-1, 3, 28, 28], encoder.InputMetadata["image"].Dimensions);
            Assert.Equal([-1, 6], encoder.OutputMetadata["latent"].Dimensions);
            Assert.Equal([-1, 3, 28, 28], decoder.OutputMetadata["image"].Dimensions);
        }

        using (var reconstructions = Image.Load<Rgb24>(Path.Combine(output, "reconstructions.png")))
        {
            // Drawn in colour: the first original's paper is a colour, not a gray.
            var cell = reconstructions[8 + 42, 8 + 2];
            Assert.False(cell.R == cell.G && cell.G == cell.B, $"a gray {cell} where a coloured paper was drawn");
        }

        // A latent map from the coloured test pictures, its examples RGB PNGs of the model's size.
        var (mapped, mapLog, mapError) = await Run("latent-map", "--model", output, "--images", data, "--points", "50");
        Assert.True(mapped == 0, mapError);
        Assert.Contains("latent-map: 50 of 60 images from mnist-colour test", mapLog, StringComparison.Ordinal);
        var map = LatentMap.Load(Path.Combine(output, LatentMap.FileName));
        Assert.Equal(60, map.FittedImages);
        Assert.Equal(50, map.Points.Length);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 9], map.Examples.Select(example => example.Label)); // one a digit; t10k's first 60 hold no 8
        // The points kept are a seeded shuffle of the test pictures: in class folders' order the 50 would hold 0 to 7 alone.
        Assert.Equal(9, map.Points.Select(point => point.Label).Distinct().Count());
        foreach (var example in map.Examples)
        {
            var png = Convert.FromBase64String(example.Image);
            Assert.Equal((2, 8), (png[25], png[24])); // colour type 2 (RGB), 8 bits a sample
            using var picture = Image.Load<Rgb24>(png);
            Assert.Equal((28, 28), (picture.Width, picture.Height));
        }

        var report = temp.File("report");
        var (measured, measureLog, measureError) = await Run("rate-distortion", "--model", output, "--data", data, "--out", report, "--limit", "40", "--threads", "1");
        Assert.True(measured == 0, measureError);
        var markdown = File.ReadAllText(Path.Combine(report, "rate-distortion.md"));
        Assert.Contains("JPEG stores them as YCbCr with 4:2:0 chroma subsampling", markdown, StringComparison.Ordinal);
        Assert.Contains("| mnist-colour (conv) | float32 | 24 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| PCA (6 components) | float32 | 24 |", markdown, StringComparison.Ordinal);
        Assert.Contains("Mean squared error ([0,1] units) over 40 test images", measureLog, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(
        "error: --image-size 30x30: --arch conv halves height and width at each of its 2 stage(s) (--channels 32,64), so both must be divisible by 4",
        "--image-size", "30x30", "--arch", "conv")]
    [InlineData(
        "error: --image-size 24x20: --arch vae halves height and width at each of its 3 stage(s) (--channels 8,8,8), so both must be divisible by 8",
        "--image-size", "24x20", "--arch", "vae", "--channels", "8,8,8")]
    [InlineData(
        "error: the images are 30x30: --arch conv halves height and width at each of its 2 stage(s) (--channels 32,64), so both must be divisible by 4; resize them with --image-size",
        "--arch", "conv")]
    [InlineData(
        "error: --image-handling mnist-digit prepares gray digits; a colour model's is fit or none",
        "--image-handling", "mnist-digit")]
    public async Task SizesTheLayoutCannotHalveAreRefusedNamingTheOption(string message, params string[] options)
    {
        foreach (var name in new[] { "0", "1", "2" })
        {
            Data.ImageFolderColourTests.WritePicture(Path.Combine(temp.Path, "pictures", "a", name + ".png"), 30, 30, (x, _) => new Rgb24((byte)(x * 8), 40, 200));
        }

        var (exitCode, _, error) = await Run(["train", "--data", temp.File("pictures"), "--out", temp.File("model"), "--image-channels", "3", "--epochs", "1", .. options]);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, error.TrimEnd());
        Assert.False(Directory.Exists(temp.File("model")));
    }

    [Theory]
    [InlineData("error: --image-channels must be one of 1, 3, not '2'", "train", "--data", "x", "--out", "y", "--image-channels", "2")]
    [InlineData("error: --pad must be a whole number from 1 to 4096, not '0'", "colour-dataset", "--data", "x", "--out", "y", "--pad", "0")]
    public async Task BadColourArgumentsGiveOneLine(string message, params string[] args)
    {
        var (exitCode, _, error) = await Run(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, error.TrimEnd());
    }

    [Fact]
    public async Task IdxFilesAreNotReadAsColourAndColourDatasetNeitherCropsNorOverwrites()
    {
        var (idx, _, idxError) = await Run("train", "--data", TestData.Mnist, "--out", temp.File("model"), "--image-channels", "3");
        var (crop, _, cropError) = await Run("colour-dataset", "--data", TestData.Mnist, "--out", temp.File("small"), "--pad", "20");
        File.WriteAllText(temp.File("note.txt"), "kept");
        var (full, _, fullError) = await Run("colour-dataset", "--data", TestData.Mnist, "--out", temp.Path);

        Assert.Equal((2, 2, 2), (idx, crop, full));
        Assert.Equal("error: --image-channels 3 is for a folder of colour pictures; IDX files are gray (colour-dataset writes coloured pictures of them)", idxError.TrimEnd());
        Assert.Equal("error: --pad 20 is smaller than the 28x28 images; it pads, never crops", cropError.TrimEnd());
        Assert.Equal($"error: --out {temp.Path} is not empty; colour-dataset writes into a new or empty folder", fullError.TrimEnd());
    }

    private static double Luma(string hex) => InkAndPaper.Luma(new Rgb24(
        byte.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        byte.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));

    private static string[] Files(string directory) =>
        [.. Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(directory, path)).Order(StringComparer.Ordinal)];

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
