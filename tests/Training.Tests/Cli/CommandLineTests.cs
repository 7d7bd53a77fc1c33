using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Tests.Data;
using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Training.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("error: Unrecognized command or argument 'fit'.", "fit")]
    [InlineData("error: Unrecognized command or argument '--epoch'.", "train", "--data", "x", "--out", "y", "--epoch")]
    [InlineData("error: --epochs must be a whole number from 1 to 100000, not 'many'", "train", "--data", "x", "--out", "y", "--epochs", "many")]
    [InlineData("error: --epochs must be a whole number from 1 to 100000, not '0'", "train", "--data", "x", "--out", "y", "--epochs", "0")]
    [InlineData("error: --epochs must be a whole number from 2 to 1000, not '1'", "benchmark", "--data", "x", "--epochs", "1")]
    [InlineData("error: --validation must be a number from 0.001 to 0.5, not '0.9'", "train", "--data", "x", "--out", "y", "--validation", "0.9")]
    [InlineData("error: --validation must be a number from 0.001 to 0.5, not '0,2'", "train", "--data", "x", "--out", "y", "--validation", "0,2")]
    [InlineData("error: --channels must be comma-separated whole numbers from 1 to 4096, not '32,x'", "train", "--data", "x", "--out", "y", "--channels", "32,x")]
    [InlineData("error: --image-size must be HEIGHTxWIDTH (or one number), each from 4 to 4096, not '3x8'", "train", "--data", "x", "--out", "y", "--image-size", "3x8")]
    [InlineData("error: --recipe must be one of default, article, vae, not 'keras'", "train", "--data", "x", "--out", "y", "--recipe", "keras")]
    [InlineData("error: --arch must be one of fc, conv, vae, not '1'", "train", "--data", "x", "--out", "y", "--arch", "1")]
    [InlineData("error: --device must be one of auto, cpu, cuda, not 'tpu'", "train", "--data", "x", "--out", "y", "--device", "tpu")]
    [InlineData("error: --image-handling must be one of mnist-digit, fit, none, not 'crop'", "train", "--data", "x", "--out", "y", "--image-handling", "crop")]
    [InlineData("error: --noise: noise 'blur:0.3' is not KIND:LEVEL or KIND:MIN-MAX with KIND one of gaussian, salt-pepper, mask", "train", "--data", "x", "--out", "y", "--noise", "blur:0.3")]
    [InlineData("error: --noise: noise 'mask:2': levels must satisfy 0 <= MIN <= MAX <= 1", "train", "--data", "x", "--out", "y", "--noise", "gaussian:0.1,mask:2")]
    [InlineData("error: --noise: noise 'gaussian:x': the level must be a number, or a range MIN-MAX of two", "train", "--data", "x", "--out", "y", "--noise", "gaussian:x")]
    [InlineData("error: --noise must be one or more KIND:LEVEL or KIND:MIN-MAX, comma-separated, not ','", "train", "--data", "x", "--out", "y", "--noise", ",")]
    [InlineData("error: Option '--data' is required.", "train", "--out", "y")]
    [InlineData("error: Option '--out' is required.", "train", "--data", "x")]
    [InlineData("error: Required argument missing for option: '--seed'.", "train", "--data", "x", "--out", "y", "--seed")]
    [InlineData("error: Option '--data' expects a single argument but 2 were provided.", "train", "--data", "x", "--data", "z", "--out", "y")]
    [InlineData("error: --mirror must be an http(s) URL, not 'ftp://example.org'", "train", "--data", "x", "--out", "y", "--download", "--mirror", "ftp://example.org")]
    [InlineData("error: --mirror and --checksums only make sense with --download", "train", "--data", "x", "--out", "y", "--mirror", "http://127.0.0.1/")]
    [InlineData("error: --mirror and --checksums only make sense with --download", "train", "--data", "x", "--out", "y", "--checksums", "SHA256SUMS")]
    [InlineData("error: --arch vae cannot train with the article recipe: its Bernoulli likelihood needs [0,1] pixels, a sigmoid output and a linear latent", "train", "--data", "x", "--out", "y", "--arch", "vae", "--recipe", "article")]
    [InlineData("error: --noise trains a denoiser, which --arch vae is not", "train", "--data", "x", "--out", "y", "--arch", "vae", "--noise", "gaussian:0.1")]
    [InlineData("error: --prior-components is for fc and conv: a vae's prior is N(0, I) (fit-prior can fit one to its codes)", "train", "--data", "x", "--out", "y", "--arch", "vae", "--prior-components", "2")]
    [InlineData("error: --novelty-terms: 'ssim' is not a term; the terms are mse, structural, local, prior, joint", "train", "--data", "x", "--out", "y", "--novelty-terms", "prior,ssim")]
    [InlineData("error: --novelty-terms: name at least one of mse, structural, local, prior, joint", "novelty-report", "--data", "x", "--out", "y", "--novelty-terms", ",")]
    [InlineData("error: --kl-warmup is for --arch vae", "train", "--data", "x", "--out", "y", "--arch", "conv", "--kl-warmup", "2")]
    [InlineData("error: --version must be a whole number from 1 to 2147483647, not '0'", "train", "--data", "x", "--out", "y", "--version", "0")]
    [InlineData("error: --components must be comma-separated whole numbers from 1 to 1000, not '0'", "fit-prior", "--model", "m", "--data", "d", "--components", "0")]
    [InlineData("error: --points must be a whole number from 1 to 100000, not '0'", "latent-map", "--model", "m", "--images", "i", "--labels", "l", "--points", "0")]
    public async Task BadArgumentsGiveOneLineAndExitCode2(string message, params string[] args)
    {
        var (exitCode, _, error) = await Run(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(message, error.TrimEnd());
    }

    [Fact]
    public async Task EveryUsageErrorGetsALineOfItsOwn()
    {
        var (exitCode, output, error) = await Run("train", "--epoch", "3", "--seed", "-1");

        Assert.Equal(2, exitCode);
        Assert.Equal(
            [
                "error: --seed must be a whole number from 0 to 2147483647, not '-1'",
                "error: Option '--data' is required.",
                "error: Option '--out' is required.",
                "error: Unrecognized command or argument '--epoch'.",
                "error: Unrecognized command or argument '3'.",
            ],
            error.TrimEnd().Split(Environment.NewLine).Order(StringComparer.Ordinal));
        Assert.Empty(output);
    }

    [Fact]
    public async Task AMissingDataFolderIsNamed()
    {
        var missing = temp.File("nowhere");

        var (exitCode, _, error) = await Run("train", "--data", missing, "--out", temp.File("out"));

        Assert.Equal(2, exitCode);
        Assert.Equal($"error: {missing}: data directory not found", error.TrimEnd());
    }

    [Fact]
    public async Task ACorruptDataFileIsNamedWithItsProblemAndNoStackTrace()
    {
        IdxFiles.WriteDataset(temp.Path, train: 3, test: 3, gzip: false);
        File.WriteAllBytes(temp.File("train-images-idx3-ubyte"), IdxFiles.Images(3, 28, 28, magic: 0x0801));

        var (exitCode, _, error) = await Run("train", "--data", temp.Path, "--out", temp.File("out"));

        Assert.Equal(2, exitCode);
        Assert.Equal(
            $"error: {temp.File("train-images-idx3-ubyte")}: magic number 0x00000801, where an IDX image file has 0x00000803 (unsigned bytes, 3 dimensions)",
            error.TrimEnd());
    }

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task HelpListsEveryCommandWithItsDescription(params string[] args)
    {
        var commands = CommandLine.Create().Subcommands.Where(command => !command.Hidden).ToArray();

        var (exitCode, output, error) = await Run(args);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Contains("autoencoder-train [command] [options]", output, StringComparison.Ordinal);
        Assert.Equal(["train", "colour-dataset", "benchmark", "rate-distortion", "anomaly-report", "denoise-report", "generation-report", "latent-map", "fit-prior", "novelty-report"], commands.Select(command => command.Name));
        var help = Words(output);
        Assert.All(commands, command => Assert.Contains($" {command.Name} {Words(command.Description!)}", help, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("train", "--data --out --version --recipe --arch --hidden --channels --convolutions --latent --name --epochs --batch-size --validation --augment --noise --kl-warmup --prior-components --novelty-terms --image-handling --image-size --image-channels --seed --threads --classes --limit --device --download --mirror --checksums")]
    [InlineData("colour-dataset", "--data --out --pad --seed --limit")]
    [InlineData("benchmark", "--data --recipe --arch --hidden --channels --convolutions --latent --epochs --batch-size --threads --seed")]
    [InlineData("rate-distortion", "--model --data --out --limit --threads")]
    [InlineData("anomaly-report", "--model --in-distribution --out-of-distribution --out --limit --threads")]
    [InlineData("denoise-report", "--model --data --out --images --tuning-images --seed --threads")]
    [InlineData("generation-report", "--model --data --out --samples --seed --classifiers --classifier-epochs --limit --threads")]
    [InlineData("latent-map", "--model --images --labels --points")]
    [InlineData("fit-prior", "--model --data --components --seed --threads")]
    [InlineData("novelty-report", "--data --classes --out --epochs --prior-components --novelty-terms --latent --seed --threads --rescore --limit")]
    public async Task CommandHelpListsEveryOptionWithItsDescription(string command, string optionNames)
    {
        var options = CommandLine.Create().Subcommands.Single(candidate => candidate.Name == command).Options.Where(option => option is not HelpOption).ToArray();

        var (exitCode, output, error) = await Run(command, "--help");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Contains($"autoencoder-train {command} [options]", output, StringComparison.Ordinal);
        Assert.Equal(optionNames.Split(' '), options.Select(option => option.Name));
        var help = Words(output);
        Assert.All(options, option =>
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{option.Name} has no description");
            Assert.Matches($@" {Regex.Escape(option.Name)}( <[^>]+>)?( \(REQUIRED\))? {Regex.Escape(Words(option.Description!))}", help);
        });
    }

    [Theory]
    [InlineData("train", "--recipe <default|article|vae>", "default")]
    [InlineData("train", "--arch <fc|conv|vae>", "fc")]
    [InlineData("train", "--kl-warmup <N>", "5")]
    [InlineData("train", "--prior-components <N>", "1")]
    [InlineData("fit-prior", "--components <K,...>", "1")]
    [InlineData("train", "--hidden <N>", "100")]
    [InlineData("train", "--channels <A,B,...>", "32,64")]
    [InlineData("train", "--convolutions <N>", "2")]
    [InlineData("train", "--latent <N>", "20")]
    [InlineData("train", "--validation <F>", "0.1")]
    [InlineData("train", "--image-size <HxW>", "28x28 for gray pictures, their own size (which they must share) for colour")]
    [InlineData("train", "--image-channels <1|3>", "1")]
    [InlineData("train", "--seed <N>", "1")]
    [InlineData("train", "--device <auto|cpu|cuda>", "auto")]
    [InlineData("train", "--mirror <URL>", "https://storage.googleapis.com/cvdf-datasets/mnist/")]
    [InlineData("benchmark", "--recipe <default|article|vae>", "article")]
    [InlineData("benchmark", "--arch <fc|conv|vae>", "fc")]
    [InlineData("benchmark", "--epochs <N>", "4")]
    [InlineData("benchmark", "--threads <N>", "2")]
    [InlineData("latent-map", "--points <N>", "2000")]
    public async Task CommandHelpShowsEachDefault(string command, string option, string defaultValue)
    {
        var (_, output, _) = await Run(command, "--help");

        // The option's row: its name and value, its description (no '['), then its default.
        Assert.Matches($@" {Regex.Escape(option)} [^\[]*\[default: {Regex.Escape(defaultValue)}\]", Words(output));
    }

    [Fact]
    public async Task TrainOnSomeClassesTrainsValidatesAndTestsOnThemAloneAndSaysWhich()
    {
        var output = temp.File("ones");

        var (exitCode, _, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--classes", "1", "--epochs", "1", "--threads", "1", "--channels", "8,16", "--latent", "4", "--arch", "conv");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        var mnist = Autoencoder.Training.Data.ImageDataset.LoadIdx(TestData.Mnist);
        Assert.Equal(["1"], manifest.Dataset.Classes);
        Assert.Equal(mnist.Train.Labels.Count(label => label == 1), manifest.Dataset.TrainImages + manifest.Dataset.ValidationImages);
        Assert.Equal(mnist.Test.Labels.Count(label => label == 1), manifest.Dataset.TestImages);

        // The scorer is calibrated on the validation images: scored again through the exported files and Core's scorer,
        // they give the percentiles model.json records.
        var scorer = manifest.Scorer!;
        Assert.Equal(NoveltyTerms.Names, scorer.Terms.Select(term => term.Name));
        Assert.Equal([0.0, 0, 1, 1], scorer.Terms.Select(term => term.Weight));
        Assert.Equal(("validation", manifest.Dataset.ValidationImages), (scorer.Split, scorer.Images));
        var validation = mnist.OnlyClasses(["1"]).Train.Split(0.1, 1).Validation;
        using var model = Autoencoder.Training.Reports.ExportedAutoencoder.Open(output, 1);
        var pixels = model.Pixels(validation.Images, "validation");
        var codes = model.Encode(pixels, validation.Count);
        var reconstructions = model.Decode(codes, validation.Count);
        var values = NoveltyScorer.ComputeTerms(new NoveltyTerms(manifest.Image, manifest.Prior), NoveltyTerms.Names, pixels, reconstructions, codes, validation.Count);
        var scores = Enumerable.Range(0, validation.Count).Select(image => NoveltyScorer.Combine(scorer.Terms, [.. values.Select(term => term[image])]));
        var spread = scorer.Percentiles[75] - scorer.Percentiles[25];
        Assert.All(Percentiles.All(scores).Zip(scorer.Percentiles), pair => Assert.Equal(pair.Second, pair.First, 1e-3 * spread));

        // fit-prior refits the prior to the model's class alone and calibrates the scorer again under it, same terms and weights.
        var (refitted, refitLog, refitError) = await Run("fit-prior", "--model", output, "--data", TestData.Mnist, "--components", "2", "--threads", "1");
        Assert.True(refitted == 0, refitError);
        Assert.Contains($"calibrated the scorer again on the {validation.Count:N0} validation images", refitLog, StringComparison.Ordinal);
        var refit = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Contains($"{mnist.Train.Labels.Count(label => label == 1):N0}", refit.Prior!.FittedTo, StringComparison.Ordinal);
        Assert.Equal(scorer.Terms.Select(term => (term.Name, term.Weight)), refit.Scorer!.Terms.Select(term => (term.Name, term.Weight)));
        Assert.Equal(scorer.Terms[0].Median, refit.Scorer.Terms[0].Median, 1e-4 * scorer.Terms[0].Spread);
        Assert.NotEqual(scorer.Terms[3].Median, refit.Scorer.Terms[3].Median);

        var (refused, _, message) = await Run("train", "--data", TestData.Mnist, "--out", temp.File("none"), "--classes", "1,x");
        Assert.Equal(2, refused);
        Assert.Contains("--classes: 'x' is not a class of mnist; its classes are 0, 1, 2", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("none")));
    }

    [Fact]
    public async Task TrainWritesModelsManifestHistoryAndPictures()
    {
        var output = temp.File("model");

        var (exitCode, log, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--limit", "300", "--epochs", "2", "--threads", "1", "--name", "tiny");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal("tiny", manifest.Name);
        Assert.Equal(20, manifest.LatentSize);
        Assert.Equal(ImageShape.Mnist, manifest.Image);
        Assert.Equal("default", manifest.Recipe.Name);
        Assert.Equal((270, 30, 300), (manifest.Dataset.TrainImages, manifest.Dataset.ValidationImages, manifest.Dataset.TestImages));
        Assert.Equal(2, manifest.Training.EpochsRun);
        Assert.Equal(manifest.Metrics.BestValidation.Unit * 65025, manifest.Metrics.BestValidation.Pixel2, 6);
        Assert.Equal("0.107.0", manifest.Provenance.Libraries["TorchSharp"]);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "history.csv")).Length);
        foreach (var picture in new[] { "loss.png", "reconstructions.png", "interpolation.png" })
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, picture))[..4]);
        }

        Assert.Contains("export: encoder.onnx matches TorchSharp", log, StringComparison.Ordinal);
        Assert.Contains("epoch   2/2", log, StringComparison.Ordinal);

        // Written beside --out and moved into place: nothing else is left there.
        Assert.Equal([output], Directory.GetFileSystemEntries(temp.Path));

        // A plain autoencoder's model.json says nothing of noise.
        Assert.Null(manifest.Noise);
        Assert.Null(manifest.Metrics.Inputs);
        Assert.Null(manifest.Metrics.NoisyTestInput);
        Assert.DoesNotContain("noise", File.ReadAllText(Path.Combine(output, ModelManifest.FileName)), StringComparison.OrdinalIgnoreCase);

        // Nor of a variational encoder; its prior is one Gaussian fitted to its training images' codes.
        Assert.Null(manifest.Variational);
        var prior = Assert.IsType<LatentPrior>(manifest.Prior);
        Assert.Equal(LatentPrior.GaussianKind, prior.Kind);
        Assert.Equal(20, prior.LatentSize);
        Assert.Contains("270 training images", prior.FittedTo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainVaeExportsTheMeanAsLatentAndTheLogVarianceAsASecondOutputAndRecordsItsElboAndAStandardNormalPrior()
    {
        var output = temp.File("vae");

        var (exitCode, log, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--arch", "vae", "--channels", "8,16", "--latent", "6",
            "--limit", "300", "--epochs", "2", "--kl-warmup", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal("vae", manifest.Architecture.Kind);
        Assert.Equal("default", manifest.Recipe.Name);
        Assert.Equal([8, 16], manifest.Architecture.ConvolutionChannels);
        var variational = Assert.IsType<VariationalInfo>(manifest.Variational);
        Assert.Equal("logVariance", variational.LogVarianceOutput);
        Assert.Equal("continuous [0,1] under a Bernoulli decoder", variational.Pixels);
        Assert.Equal(1, variational.KlWarmupEpochs);
        Assert.Equal(variational.TestReconstructionNats + variational.TestKlNats, variational.TestNegativeElbo, 6);
        Assert.True(variational.TestKlNats >= 0);
        Assert.InRange(variational.TestReconstructionNats, 1, 784 * Math.Log(2) * 2);
        Assert.InRange(manifest.Metrics.Test.Unit, 1e-6, 1);
        var prior = Assert.IsType<LatentPrior>(manifest.Prior);
        Assert.Equal(LatentPrior.StandardNormalKind, prior.Kind);
        var component = Assert.Single(prior.Components);
        Assert.Equal(1, component.Weight);
        Assert.Equal(new double[6], component.Mean);
        Assert.Equal(Enumerable.Range(0, 6).Select(row => Enumerable.Range(0, 6).Select(column => row == column ? 1.0 : 0.0)), component.Covariance);
        Assert.Contains("val -elbo", log, StringComparison.Ordinal);
        Assert.Contains("export: encoder.onnx (logVariance) matches TorchSharp", log, StringComparison.Ordinal);
        Assert.EndsWith(",val_negative_elbo", File.ReadAllLines(Path.Combine(output, "history.csv"))[0], StringComparison.Ordinal);

        using var encoder = new InferenceSession(Path.Combine(output, ModelManifest.EncoderFileName));
        Assert.Equal(["latent", "logVariance"], encoder.OutputNames);
        Assert.All(encoder.OutputMetadata.Values, node => Assert.Equal([-1, 6], node.Dimensions));
        using var image = OrtValue.CreateTensorValueFromMemory(new float[2 * 784], [2, 1, 28, 28]);
        using var runOptions = new RunOptions();
        using var results = encoder.Run(runOptions, ["image"], [image], ["latent", "logVariance"]);
        Assert.All(results, result => Assert.Equal([2L, 6L], result.GetTensorTypeAndShape().Shape));
        Assert.NotEqual(results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public async Task TrainWithNoiseRecordsTheNoiseAndScoresOnNoisyInputsAgainstCleanImages()
    {
        var output = temp.File("denoiser");

        var (exitCode, log, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--limit", "1000", "--epochs", "4", "--threads", "1",
            "--noise", "gaussian:0.3-0.5,salt-pepper:0.2");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal(Noise.ParseList("gaussian:0.3-0.5,salt-pepper:0.2"), manifest.Noise);
        Assert.Contains("\"gaussian:0.3-0.5\"", File.ReadAllText(Path.Combine(output, ModelManifest.FileName)), StringComparison.Ordinal);
        Assert.StartsWith("validation and test: outputs for noisy copies of the images (gaussian:0.3-0.5,salt-pepper:0.2, made once with seed 1) against the clean images", manifest.Metrics.Inputs, StringComparison.Ordinal);
        Assert.NotNull(manifest.Metrics.NoisyTestInput);
        Assert.True(manifest.Metrics.Test.Unit < manifest.Metrics.NoisyTestInput.Unit, $"test {manifest.Metrics.Test.Unit}, noisy inputs {manifest.Metrics.NoisyTestInput.Unit}");
        Assert.Contains("noise gaussian:0.3-0.5,salt-pepper:0.2", log, StringComparison.Ordinal);
        Assert.Contains("on noisy inputs, whose own mse is", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainBuildsAConvolutionalNetworkWhenAsked()
    {
        var output = temp.File("conv");

        var (exitCode, _, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--arch", "conv", "--channels", "4,8", "--convolutions", "1", "--limit", "200", "--epochs", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal("conv", manifest.Architecture.Kind);
        Assert.Equal([4, 8], manifest.Architecture.ConvolutionChannels);
        Assert.Null(manifest.Architecture.EncoderLayerSizes);
        Assert.Equal(ImageHandling.MnistDigit, manifest.ImageHandling);
        Assert.StartsWith("random wrap-around shift", manifest.Recipe.Augmentation, StringComparison.Ordinal);
        Assert.Equal((180, 20, 200), (manifest.Dataset.TrainImages, manifest.Dataset.ValidationImages, manifest.Dataset.TestImages));
        Assert.True(manifest.Metrics.Test.Unit > 0);
    }

    [Fact]
    public async Task TrainTakesAFolderOfPicturesWithClassFolders()
    {
        var pictures = Directory.CreateDirectory(temp.File("shapes")).FullName;
        PictureFolders.Write(pictures, perClass: 12);
        var output = temp.File("model");

        var (exitCode, log, error) = await Run(
            "train", "--data", pictures, "--out", output, "--arch", "conv", "--channels", "4", "--convolutions", "1", "--image-size", "16", "--epochs", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(output, ModelManifest.FileName));
        Assert.Equal(new ImageShape(1, 16, 16), manifest.Image);
        Assert.Equal("shapes", manifest.Dataset.Name);
        Assert.Equal(ImageHandling.Fit, manifest.ImageHandling);
        Assert.Equal("none", manifest.Recipe.Augmentation);

        // 36 pictures: a tenth is the test split, a tenth of the rest validation.
        Assert.Equal((29, 3, 4), (manifest.Dataset.TrainImages, manifest.Dataset.ValidationImages, manifest.Dataset.TestImages));
        Assert.Contains("29 training / 3 validation images", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadablePictureIsNamedAndNothingIsWrittenToTheOutputFolder()
    {
        var pictures = Directory.CreateDirectory(temp.File("pictures")).FullName;
        PictureFolders.Write(pictures, perClass: 3);
        var broken = Path.Combine(pictures, "circle", "broken.png");
        File.WriteAllText(broken, "not a picture");
        var output = temp.File("model");

        var (exitCode, _, error) = await Run("train", "--data", pictures, "--out", output, "--epochs", "1");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"error: {broken}: not a readable PNG or JPEG picture", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task TrainOverAModelReplacesItWholeAndLeavesNothingBesideIt()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, ModelManifest.FileName), "previous");
        File.WriteAllText(Path.Combine(output, "stale.png"), "previous");

        var (exitCode, _, error) = await Run("train", "--data", TestData.Mnist, "--out", output, "--limit", "100", "--epochs", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        Assert.Equal(TrainedFiles, Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(100, ModelManifest.Load(Path.Combine(output, ModelManifest.FileName)).Dataset.TestImages);
        Assert.Equal([output], Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task TrainWithAVersionWritesTheVersionFolderBesideTheOthers()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        var first = Directory.CreateDirectory(Path.Combine(output, "1")).FullName;
        File.WriteAllText(Path.Combine(first, ModelManifest.FileName), "version 1");
        File.WriteAllText(Path.Combine(output, "version-policy.json"), """{"latest": 2}""");

        var (exitCode, log, error) = await Run(
            "train", "--data", TestData.Mnist, "--out", output, "--version", "2", "--limit", "100", "--epochs", "1", "--threads", "1", "--name", "tiny");

        Assert.True(exitCode == 0, error);
        var second = Path.Combine(output, "2");
        Assert.Equal("tiny", ModelManifest.Load(Path.Combine(second, ModelManifest.FileName)).Name);
        Assert.Equal(TrainedFiles, Directory.GetFileSystemEntries(second).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["1", "2", "version-policy.json"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("version 1", File.ReadAllText(Path.Combine(first, ModelManifest.FileName)));
        Assert.Contains($"done: {second}  best epoch", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainWithAVersionIntoAFolderHoldingAModelOfItsOwnIsRefusedBeforeTraining()
    {
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, ModelManifest.FileName), "flat");

        var (exitCode, log, error) = await Run("train", "--data", TestData.Mnist, "--out", output, "--version", "2", "--limit", "100", "--epochs", "1", "--threads", "1");

        Assert.Equal(2, exitCode);
        Assert.Equal(
            $"error: --out {output} holds a model of its own (model.json), so --version 2 cannot go beside it: the API refuses a folder holding both layouts. " +
            $"Move its files into {Path.Combine(output, "1")} first, or choose another --out",
            error.TrimEnd());
        Assert.DoesNotContain("epoch", log, StringComparison.Ordinal);
        Assert.Equal([ModelManifest.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal("flat", File.ReadAllText(Path.Combine(output, ModelManifest.FileName)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFailedRunLeavesTheModelItWouldReplaceAsItWasAndNothingBesideIt(bool versioned)
    {
        var pictures = Directory.CreateDirectory(temp.File("pictures")).FullName;
        PictureFolders.Write(pictures, perClass: 3);
        File.WriteAllText(Path.Combine(pictures, "circle", "broken.png"), "not a picture");
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        var existing = Directory.CreateDirectory(versioned ? Path.Combine(output, "1") : output).FullName;
        File.WriteAllText(Path.Combine(existing, ModelManifest.FileName), "previous");
        string[] args = ["train", "--data", pictures, "--out", output, "--epochs", "1"];

        var (exitCode, _, _) = await Run(versioned ? [.. args, "--version", "1"] : args);

        Assert.Equal(2, exitCode);
        Assert.Equal([ModelManifest.FileName], Directory.GetFileSystemEntries(existing).Select(Path.GetFileName));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(existing, ModelManifest.FileName)));
        Assert.Equal([existing], Directory.GetDirectories(versioned ? output : temp.Path).Where(path => path != pictures));
    }

    [Fact]
    public async Task DownloadFetchesFromTheMirrorThenTrains()
    {
        using var server = new LocalFileServer(TestData.Mnist);
        var sums = temp.File("SHA256SUMS");
        File.WriteAllLines(sums, Directory.GetFiles(TestData.Mnist, "*.gz").Select(path =>
            $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))}  {Path.GetFileName(path)}"));

        var (exitCode, log, error) = await Run(
            "train", "--download", "--mirror", server.BaseUrl.ToString(), "--checksums", sums,
            "--data", temp.File("data"), "--out", temp.File("model"), "--limit", "200", "--epochs", "1", "--threads", "1");

        Assert.True(exitCode == 0, error);
        Assert.Contains("t10k-labels-idx1-ubyte.gz: checksum ok", log, StringComparison.Ordinal);
        Assert.True(File.Exists(temp.File("model/encoder.onnx")));
    }

    /// <summary>Every file a training run writes into its model folder, in ordinal order.</summary>
    private static readonly string[] TrainedFiles =
        ["decoder.onnx", "encoder.onnx", "history.csv", "interpolation.png", "loss.png", "model.json", "reconstructions.png"];

    /// <summary>Help with its line breaks and indents as single spaces, so a description reads whole however help wraps it.</summary>
    private static string Words(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
