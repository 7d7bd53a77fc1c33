using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>One way of storing the test images: bytes per image and the mean squared error ([0,1] units) it costs.</summary>
internal sealed record RateDistortionPoint(string Method, string Storage, int? Quality, double BytesPerImage, double MeanSquaredError);

/// <summary>A learned or linear code's three storages, and the int8 scale chosen for it on the training images.</summary>
internal sealed record CodeResult(string Method, int CodeSize, float Int8Scale, IReadOnlyList<RateDistortionPoint> Points);

/// <summary>JPEG at one quality: the whole file and its entropy-coded part, both at the same error.</summary>
internal sealed record JpegResult(int Quality, double FileBytes, double EntropyCodedBytes, double MeanSquaredError);

internal sealed record RateDistortionResult(int TestImages, int TrainImages, IReadOnlyList<CodeResult> Codes, IReadOnlyList<JpegResult> Jpeg)
{
    /// <summary>The images' channels: 1 gray, 3 colour (JPEG then stores YCbCr 4:2:0).</summary>
    public int Channels { get; init; } = 1;

    public const string JpegFile = "JPEG whole file";
    public const string JpegEntropyCoded = "JPEG entropy-coded part";

    public IEnumerable<RateDistortionPoint> Points =>
        Codes.SelectMany(code => code.Points).Concat(Jpeg.SelectMany(jpeg => new[]
        {
            new RateDistortionPoint(JpegFile, "file", jpeg.Quality, jpeg.FileBytes, jpeg.MeanSquaredError),
            new RateDistortionPoint(JpegEntropyCoded, "entropy-coded", jpeg.Quality, jpeg.EntropyCodedBytes, jpeg.MeanSquaredError),
        }));
}

/// <summary>
/// Learned code versus JPEG: for each model, the test images' error when their latents are stored as float32,
/// float16 or int8, beside PCA with as many components (the largest model's latent) and JPEG at qualities 1..95 (for
/// colour images, YCbCr 4:2:0). Gray or colour, every image is measured in [0,1] units over all its channels.
/// </summary>
internal static class RateDistortion
{
    /// <summary>PCA's components when no model says otherwise.</summary>
    public const int DefaultPcaComponents = 20;

    public static IReadOnlyList<int> JpegQualities { get; } = [.. Enumerable.Range(1, 95)];

    public static RateDistortionResult Measure(IReadOnlyList<ExportedAutoencoder> models, ImageDataset dataset, int threads, Action<string> progress)
    {
        var (train, test) = (dataset.Train.Images, dataset.Test.Images);
        var codes = new List<CodeResult>();
        foreach (var model in models)
        {
            var trainPixels = model.Pixels(train, MnistFiles.TrainImages);
            var testPixels = model.Pixels(test, MnistFiles.TestImages);
            var result = MeasureCode(
                $"{model.Name} ({model.Manifest.Architecture.Kind})",
                model.LatentSize,
                model.Encode(trainPixels, train.Count),
                model.Encode(testPixels, test.Count),
                latents => model.Decode(latents, test.Count),
                testPixels);
            progress(Describe(result));
            codes.Add(result);
        }

        var train01 = PixelValues.ToUnit(train.Pixels);
        var test01 = PixelValues.ToUnit(test.Pixels);
        var pcaComponents = models.Count == 0 ? DefaultPcaComponents : models.Max(model => model.LatentSize);
        var pca = PrincipalComponents.Fit(train01, train.Count, train.PixelsPerImage, pcaComponents);
        var pcaResult = MeasureCode(
            $"PCA ({pcaComponents} components)",
            pcaComponents,
            pca.Encode(train01, train.Count),
            pca.Encode(test01, test.Count),
            coefficients => pca.Decode(coefficients, test.Count),
            test01);
        progress(Describe(pcaResult));
        codes.Add(pcaResult);

        var jpeg = JpegQualities.Select(quality => MeasureJpeg(test, quality, threads)).ToArray();
        progress(string.Create(CultureInfo.InvariantCulture, $"JPEG: qualities {JpegQualities[0]}..{JpegQualities[^1]}, files {jpeg.Min(j => j.FileBytes):F0}..{jpeg.Max(j => j.FileBytes):F0} B, entropy-coded {jpeg.Min(j => j.EntropyCodedBytes):F1}..{jpeg.Max(j => j.EntropyCodedBytes):F1} B"));
        return new RateDistortionResult(test.Count, train.Count, codes, jpeg) { Channels = test.Channels };
    }

    private static CodeResult MeasureCode(string method, int codeSize, float[] trainCodes, float[] testCodes, Func<float[], float[]> decode, float[] originals)
    {
        var int8 = Int8Quantizer.FromTrainingCodes(trainCodes);
        var pixelsPerImage = originals.Length / (testCodes.Length / codeSize);
        var points = Enum.GetValues<CodeStorage>().Select(storage =>
        {
            var reconstructions = decode(storage.RoundTrip(testCodes, int8));
            var error = ImageErrors.PerImage(originals, reconstructions, pixelsPerImage).Average();
            return new RateDistortionPoint(method, storage.Label(), null, codeSize * storage.BytesPerNumber(), error);
        }).ToArray();
        return new CodeResult(method, codeSize, int8.Scale, points);
    }

    private static JpegResult MeasureJpeg(ImageStack images, int quality, int threads)
    {
        var fileBytes = new long[images.Count];
        var entropyBytes = new long[images.Count];
        var errors = new double[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new byte[images.PixelsPerImage], (index, _, decoded) =>
        {
            var original = images.Image(index);
            var jpeg = JpegCodec.Encode(original, images.Channels, images.Columns, images.Rows, quality);
            fileBytes[index] = jpeg.Length;
            entropyBytes[index] = JpegCodec.EntropyCodedData(jpeg).GetOffsetAndLength(jpeg.Length).Length;
            JpegCodec.Decode(jpeg, images.Channels, decoded);
            errors[index] = PixelValues.MeanSquaredError(original, decoded);
            return decoded;
        }, _ => { });
        return new JpegResult(quality, fileBytes.Average(), entropyBytes.Average(), errors.Average());
    }

    private static string Describe(CodeResult code) =>
        code.Method + ": " + string.Join(", ", code.Points.Select(point => string.Create(CultureInfo.InvariantCulture, $"{point.Storage} {point.BytesPerImage:F0} B mse {point.MeanSquaredError:F5}")))
        + string.Create(CultureInfo.InvariantCulture, $" (int8 scale {code.Int8Scale:G4})");
}
