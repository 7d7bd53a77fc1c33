using System.Text.Json;
using Autoencoder.Core;
using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Api.Tests;

/// <summary>The models the repository ships are what their model.json files say they are, and meet their targets.</summary>
public sealed class BundledModelTests
{
    public static TheoryData<string, string, double> Models => new()
    {
        { "mnist", "fc", 0.0130 },
        { "mnist-conv", "conv", 0.0055 },
        { "fashion", "conv", 0.0080 },
        { "mnist-vae", "vae", 0.0075 },
        { "fashion-vae", "vae", 0.0110 },
    };

    public static TheoryData<string> AllModels() =>
        [.. Directory.GetDirectories(TestData.ModelsDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Models))]
    public void ItsStatedTestErrorIsWhatItsOnnxFilesScoreOnItsWholeTestSet(string name, string kind, double target)
    {
        var folder = Path.Combine(TestData.ModelsDirectory, name);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model.json")));
        var root = manifest.RootElement;
        var stated = root.GetProperty("metrics").GetProperty("test").GetProperty("unit").GetDouble();
        var dataset = root.GetProperty("dataset");
        var testImages = TestImagesOf(dataset.GetProperty("name").GetString());

        const int count = 10_000;
        var images = Enumerable.Range(0, count).SelectMany(i => PixelValues.ToUnit(testImages(i))).ToArray();
        var image = root.GetProperty("image");
        long[] shape = [count, image.GetProperty("channels").GetInt32(), image.GetProperty("height").GetInt32(), image.GetProperty("width").GetInt32()];
        var measured = MeanSquaredError(folder, images, shape);

        Assert.Equal(stated, measured, 1e-5);
        Assert.True(measured <= target, $"{name}: test MSE {measured:F5} misses the {target} target");
        Assert.Equal(kind, root.GetProperty("architecture").GetProperty("kind").GetString());
        Assert.Equal(count, dataset.GetProperty("testImages").GetInt32());
        Assert.Equal("test", dataset.GetProperty("testSplit").GetString());

        // The best epoch was chosen on images held out of the training set, never on the test split.
        Assert.NotEqual("test", dataset.GetProperty("validationSplit").GetString());
        Assert.Equal("validation", root.GetProperty("reconstructionErrors").GetProperty("split").GetString());
        Assert.Equal(dataset.GetProperty("validationImages").GetInt32(), root.GetProperty("reconstructionErrors").GetProperty("images").GetInt32());
        foreach (var picture in new[] { "loss.png", "reconstructions.png", "interpolation.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder, picture)), $"{name} lacks {picture}");
        }
    }

    /// <summary>A bundled denoiser on the first 2,000 images of its test set with seeded noise, run through its ONNX files directly.</summary>
    [Theory]
    [InlineData("mnist-denoise", "gaussian:0.5", 19.8)]
    [InlineData("mnist-denoise", "salt-pepper:0.3", 24.0)]
    [InlineData("mnist-denoise", "mask:0.5", 23.5)]
    [InlineData("fashion-denoise", "gaussian:0.5", 19.0)]
    [InlineData("fashion-denoise", "salt-pepper:0.3", 22.3)]
    [InlineData("fashion-denoise", "mask:0.5", 21.5)]
    public void ADenoiserCleansEachNoiseItWasTrainedFor(string name, string noise, double targetDecibels)
    {
        var folder = Path.Combine(TestData.ModelsDirectory, name);
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        const int count = 2_000;
        var testImages = TestImagesOf(manifest.Dataset.Name);
        var clean = Enumerable.Range(0, count).SelectMany(i => PixelValues.ToUnit(testImages(i))).ToArray();
        var noisy = (float[])clean.Clone();
        var random = new Random(1);
        var corruption = Noise.Parse(noise);
        for (var i = 0; i < count; i++)
        {
            corruption.Apply(noisy.AsSpan(i * 784, 784), random);
        }

        var denoised = Reconstruct(folder, noisy, [count, 1, 28, 28]);
        var psnr = Enumerable.Range(0, count)
            .Average(i => PixelValues.PeakSignalToNoiseRatio(clean.AsSpan(i * 784, 784), denoised.AsSpan(i * 784, 784)));

        Assert.NotNull(manifest.Noise);
        Assert.True(psnr >= targetDecibels, $"{noise}: {psnr:F2} dB, short of {targetDecibels} dB");
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void EveryBundledModelCarriesALatentPriorToGenerateFrom(string name)
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.ModelsDirectory, name, ModelManifest.FileName));

        Assert.NotNull(manifest.Prior);
        Assert.Null(manifest.Prior.Problem(manifest.LatentSize));
        if (manifest.Prior.Kind == LatentPrior.StandardNormalKind)
        {
            // N(0, I) is a prior only a VAE was trained towards; a plain autoencoder's codes lie wherever training put them.
            Assert.NotNull(manifest.Variational);
        }
        else
        {
            Assert.Contains("training images", manifest.Prior.FittedTo, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A bundled VAE's stated test KL is what its ONNX encoder's mean and log-variance give on the whole test set, and its
    /// stated reconstruction term is what one seeded draw per image through its decoder gives, within sampling noise.
    /// </summary>
    [Theory]
    [InlineData("mnist-vae", 107.0)]
    [InlineData("fashion-vae", 240.0)]
    public void AVariationalModelsStatedElboIsWhatItsOnnxFilesGive(string name, double targetNats)
    {
        var folder = Path.Combine(TestData.ModelsDirectory, name);
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        var variational = manifest.Variational ?? throw new InvalidOperationException($"{name} is not variational");
        const int count = 10_000;
        var testImages = TestImagesOf(manifest.Dataset.Name);
        var images = Enumerable.Range(0, count).SelectMany(i => PixelValues.ToUnit(testImages(i))).ToArray();
        var pixels = manifest.Image.PixelCount;
        var latentSize = manifest.LatentSize;

        using var encoder = new InferenceSession(Path.Combine(folder, "encoder.onnx"));
        using var decoder = new InferenceSession(Path.Combine(folder, "decoder.onnx"));
        using var input = OrtValue.CreateTensorValueFromMemory(images, [count, manifest.Image.Channels, manifest.Image.Height, manifest.Image.Width]);
        using var runOptions = new RunOptions();
        using var codes = encoder.Run(runOptions, ["image"], [input], ["latent", variational.LogVarianceOutput]);
        var mean = codes[0].GetTensorDataAsSpan<float>().ToArray();
        var logVariance = codes[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(count * latentSize, logVariance.Length);

        var kl = 0.0;
        var drawn = new float[mean.Length];
        var random = new Random(1);
        for (var i = 0; i < mean.Length; i++)
        {
            kl += 0.5 * ((mean[i] * (double)mean[i]) + Math.Exp(logVariance[i]) - 1 - logVariance[i]);
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            drawn[i] = (float)(mean[i] + (Math.Exp(0.5 * logVariance[i]) * normal));
        }

        using var latents = OrtValue.CreateTensorValueFromMemory(drawn, [count, latentSize]);
        using var decoded = decoder.Run(runOptions, ["latent"], [latents], ["image"]);
        var output = decoded[0].GetTensorDataAsSpan<float>();
        var reconstruction = 0.0;
        for (var i = 0; i < images.Length; i++)
        {
            var p = Math.Clamp(output[i], 1e-7, 1 - 1e-7);
            reconstruction -= (images[i] * Math.Log(p)) + ((1 - images[i]) * Math.Log(1 - p));
        }

        Assert.Equal(variational.TestKlNats, kl / count, 0.05);
        Assert.Equal(variational.TestReconstructionNats, reconstruction / count, 1.0);
        Assert.Equal(variational.TestNegativeElbo, variational.TestReconstructionNats + variational.TestKlNats, 1e-6);
        Assert.True(variational.TestNegativeElbo <= targetNats, $"{name}: test -ELBO {variational.TestNegativeElbo:F2} nats misses {targetNats}");
        Assert.Equal(pixels, output.Length / count);
    }

    /// <summary>The bundled one-class models, the label of the class each was trained on alone, and its AUROC target.</summary>
    public static TheoryData<string, byte, double> OneClassModels => new()
    {
        { "mnist-sevens", 7, 0.98 },
        { "fashion-sneakers", 7, 0.98 },
    };

    /// <summary>
    /// A bundled one-class model trained on one class alone, scored on the whole test set with its model.json scorer
    /// through its ONNX files: its class (normal) against all the others, as the one-class benchmark measures it.
    /// </summary>
    [Theory]
    [MemberData(nameof(OneClassModels))]
    public void AOneClassModelsNoveltyScoreTellsItsClassFromEveryOther(string name, byte normalLabel, double targetAuroc)
    {
        var folder = Path.Combine(TestData.ModelsDirectory, name);
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        var scorer = NoveltyScorer.For(manifest) ?? throw new InvalidOperationException($"{name} records no scorer");
        Assert.Equal([normalLabel.ToString(System.Globalization.CultureInfo.InvariantCulture)], manifest.Dataset.Classes);

        const int count = 10_000;
        var testImages = TestImagesOf(manifest.Dataset.Name);
        var labels = TestData.TestLabels(manifest.Dataset.Name);
        var pixels = manifest.Image.PixelCount;
        var images = Enumerable.Range(0, count).SelectMany(i => PixelValues.ToUnit(testImages(i))).ToArray();
        var (codes, reconstructions) = EncodeAndDecode(folder, images, [count, manifest.Image.Channels, manifest.Image.Height, manifest.Image.Width]);
        var latent = manifest.LatentSize;
        var scores = Enumerable.Range(0, count)
            .Select(i => scorer.Score(images.AsSpan(i * pixels, pixels), reconstructions.AsSpan(i * pixels, pixels), codes.AsSpan(i * latent, latent)).Score)
            .ToArray();
        var normal = Enumerable.Range(0, count).Where(i => labels[i] == normalLabel).Select(i => scores[i]).ToArray();
        var anomalies = Enumerable.Range(0, count).Where(i => labels[i] != normalLabel).Select(i => scores[i]).ToArray();

        var auroc = Auroc(normal, anomalies);
        Assert.True(auroc >= targetAuroc, $"{name}: AUROC {auroc:F4} misses {targetAuroc}");

        // At the model's threshold (the held-out normal images' 99th percentile) few of the normal test images are flagged.
        var flagged = normal.Count(score => score > scorer.Calibration.DefaultThreshold) / (double)normal.Length;
        Assert.True(flagged <= 0.05, $"{name}: {flagged:P1} of its own class's test images flagged");
    }

    /// <summary>The chance that an anomaly scores above a normal image, ties counting half.</summary>
    private static double Auroc(double[] normal, double[] anomalies)
    {
        var sorted = normal.Order().ToArray();
        double wins = 0;
        foreach (var score in anomalies)
        {
            var below = LowerBound(sorted, score);
            var atOrBelow = LowerBound(sorted, Math.BitIncrement(score));
            wins += below + (0.5 * (atOrBelow - below));
        }

        return wins / ((double)normal.Length * anomalies.Length);
    }

    private static int LowerBound(double[] sorted, double value)
    {
        var index = Array.BinarySearch(sorted, value);
        if (index < 0)
        {
            return ~index;
        }

        while (index > 0 && sorted[index - 1] == value)
        {
            index--;
        }

        return index;
    }

    private static (float[] Codes, float[] Reconstructions) EncodeAndDecode(string folder, float[] images, long[] shape)
    {
        using var encoder = new InferenceSession(Path.Combine(folder, "encoder.onnx"));
        using var decoder = new InferenceSession(Path.Combine(folder, "decoder.onnx"));
        using var input = OrtValue.CreateTensorValueFromMemory(images, shape);
        using var runOptions = new RunOptions();
        using var latents = encoder.Run(runOptions, ["image"], [input], ["latent"]);
        using var outputs = decoder.Run(runOptions, ["latent"], [latents[0]], ["image"]);
        return (latents[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    private static Func<int, byte[]> TestImagesOf(string? dataset) =>
        dataset == "fashion-mnist" ? TestData.FashionItem : TestData.TestDigit;

    private static double MeanSquaredError(string folder, float[] images, long[] shape) =>
        PixelValues.MeanSquaredError(images, Reconstruct(folder, images, shape));

    private static float[] Reconstruct(string folder, float[] images, long[] shape) => EncodeAndDecode(folder, images, shape).Reconstructions;
}
