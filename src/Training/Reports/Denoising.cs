using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>One method's mean scores against the clean images: PSNR in dB and SSIM, each averaged over the images.</summary>
internal sealed record DenoiseScore(string Method, double PeakSignalToNoiseRatio, double StructuralSimilarity);

/// <summary>The scores of every method under one noise setting, and the non-local means strength chosen for it.</summary>
internal sealed record DenoiseRow(Noise Noise, float NonLocalMeansStrength, IReadOnlyList<DenoiseScore> Scores);

/// <summary>One image under one noise setting: the clean image, the noisy one and each method's output, captioned.</summary>
internal sealed record DenoiseExample(Noise Noise, IReadOnlyList<(string Caption, float[] Pixels)> Panels);

internal sealed record DenoiseResult(
    string Dataset,
    int Images,
    int TuningImages,
    int Seed,
    int Height,
    int Width,
    IReadOnlyList<string> Methods,
    IReadOnlyList<DenoiseRow> Rows,
    IReadOnlyList<DenoiseExample> Examples);

/// <summary>
/// How well each method restores seeded, noisy test images: the noisy image itself, a 3x3 median filter, non-local means
/// with its strength chosen on other test images, and each model reconstructing the noisy image.
/// </summary>
internal static class Denoising
{
    public const string Noisy = "noisy";
    public const string Median = "median 3x3";
    public const string NonLocalMeans = "NLM";

    /// <summary>The noise settings measured, in the order the table shows them.</summary>
    public static IReadOnlyList<Noise> Settings { get; } =
        [.. new[] { "gaussian:0.1", "gaussian:0.3", "gaussian:0.5", "salt-pepper:0.1", "salt-pepper:0.2", "salt-pepper:0.3", "mask:0.25", "mask:0.5" }.Select(Noise.Parse)];

    /// <summary>Non-local means strengths tried, in 8-bit gray levels, about 1.5 times apart.</summary>
    public static IReadOnlyList<float> StrengthGrid { get; } = [4, 6, 9, 13, 20, 30, 45, 68, 101, 152, 228];

    /// <summary>
    /// The strengths between the grid's neighbours of <paramref name="coarse"/>, about 1.1 times apart (the coarse one
    /// among them): the best of the coarse grid can be a dB below the best strength between its points.
    /// </summary>
    public static IReadOnlyList<float> RefinedStrengths(float coarse) =>
        [.. Enumerable.Range(-3, 7).Select(step => MathF.Round(coarse * MathF.Pow(1.5f, step / 4f), 1))];

    /// <summary>Images shown in the picture for each noise kind, at that kind's strongest level.</summary>
    public const int ExamplesPerKind = 3;

    /// <summary>
    /// Measures the first <paramref name="images"/> test images; the next <paramref name="tuningImages"/> choose
    /// non-local means' strength for each setting, so the images scored never choose it.
    /// </summary>
    public static DenoiseResult Measure(
        IReadOnlyList<ExportedAutoencoder> models, ImageDataset dataset, int images, int tuningImages, int seed, int threads, Action<string> log)
    {
        var test = dataset.Test.Images;
        if (images + tuningImages > test.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(images), $"{images} images and {tuningImages} tuning images need {images + tuningImages} test images; {dataset.Name} has {test.Count}");
        }

        var (height, width) = (test.Rows, test.Columns);
        var pixelsPerImage = test.PixelsPerImage;
        var reportImages = test.Take(images);
        var clean = PixelValues.ToUnit(reportImages.Pixels);
        var tuningClean = PixelValues.ToUnit(test.Pixels.AsSpan(images * pixelsPerImage, tuningImages * pixelsPerImage));
        foreach (var model in models)
        {
            // Checks the model takes images of this size; the pixels themselves are the ones above.
            model.Pixels(reportImages.Take(1), dataset.Name);
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var seeds = new Random(seed);
        var rows = new List<DenoiseRow>();
        var examples = new List<DenoiseExample>();
        foreach (var noise in Settings)
        {
            var noisy = Corrupt(clean, pixelsPerImage, noise, new Random(seeds.Next()));
            var tuningNoisy = Corrupt(tuningClean, pixelsPerImage, noise, new Random(seeds.Next()));
            float TuningScore(float h) =>
                (float)MeanPeakSignalToNoiseRatio(tuningClean, Filter(tuningNoisy, pixelsPerImage, parallel, image => ClassicalDenoisers.NonLocalMeans(image, height, width, h)), pixelsPerImage);
            var coarse = StrengthGrid.MaxBy(TuningScore);
            var strength = RefinedStrengths(coarse).MaxBy(TuningScore);

            var outputs = new List<(string Method, float[] Pixels)>
            {
                (Noisy, noisy),
                (Median, Filter(noisy, pixelsPerImage, parallel, image => ClassicalDenoisers.Median3x3(image, height, width))),
                (NonLocalMeans, Filter(noisy, pixelsPerImage, parallel, image => ClassicalDenoisers.NonLocalMeans(image, height, width, strength))),
            };
            outputs.AddRange(models.Select(model => (model.Name, Reconstruct(model, noisy, images))));

            var scores = outputs.Select(output => Score(output.Method, clean, output.Pixels, height, width, parallel)).ToArray();
            rows.Add(new DenoiseRow(noise, strength, scores));
            log(string.Join("  ", scores.Select(score => $"{score.Method} {score.PeakSignalToNoiseRatio:F2} dB {score.StructuralSimilarity:F3}").Prepend($"{noise} (NLM h {strength}):")));

            if (Settings.Last(setting => setting.Kind == noise.Kind) == noise)
            {
                for (var i = 0; i < Math.Min(ExamplesPerKind, images); i++)
                {
                    var original = clean.AsSpan(i * pixelsPerImage, pixelsPerImage).ToArray();
                    var panels = outputs.Select(output =>
                    {
                        var image = output.Pixels.AsSpan(i * pixelsPerImage, pixelsPerImage).ToArray();
                        var psnr = PixelValues.PeakSignalToNoiseRatio(original, image);
                        var name = output.Method == Median ? "median" : output.Method;
                        return (output.Method == Noisy ? $"{noise}" : $"{name} {psnr:F1}", image);
                    });
                    examples.Add(new DenoiseExample(noise, [($"clean #{i}", original), .. panels]));
                }
            }
        }

        return new DenoiseResult(dataset.Name, images, tuningImages, seed, height, width, [.. rows[0].Scores.Select(score => score.Method)], rows, examples);
    }

    private static float[] Corrupt(float[] clean, int pixelsPerImage, Noise noise, Random random)
    {
        var noisy = (float[])clean.Clone();
        for (var start = 0; start < noisy.Length; start += pixelsPerImage)
        {
            noise.Apply(noisy.AsSpan(start, pixelsPerImage), random);
        }

        return noisy;
    }

    private static float[] Filter(float[] images, int pixelsPerImage, ParallelOptions parallel, Func<float[], float[]> filter)
    {
        var filtered = new float[images.Length];
        Parallel.For(0, images.Length / pixelsPerImage, parallel, i =>
            filter(images.AsSpan(i * pixelsPerImage, pixelsPerImage).ToArray()).CopyTo(filtered, i * pixelsPerImage));
        return filtered;
    }

    /// <summary>The model's reconstruction of the noisy images, with [0,1] pixels mapped to and from its contract's range.</summary>
    private static float[] Reconstruct(ExportedAutoencoder model, float[] noisy, int count)
    {
        var (min, max) = (model.Manifest.Contract.PixelMin, model.Manifest.Contract.PixelMax);
        var input = noisy.Select(pixel => min + (pixel * (max - min))).ToArray();
        var output = model.Decode(model.Encode(input, count), count);
        return [.. output.Select(pixel => (pixel - min) / (max - min))];
    }

    private static double MeanPeakSignalToNoiseRatio(float[] clean, float[] other, int pixelsPerImage) =>
        Enumerable.Range(0, clean.Length / pixelsPerImage)
            .Average(i => PixelValues.PeakSignalToNoiseRatio(clean.AsSpan(i * pixelsPerImage, pixelsPerImage), other.AsSpan(i * pixelsPerImage, pixelsPerImage)));

    private static DenoiseScore Score(string method, float[] clean, float[] other, int height, int width, ParallelOptions parallel)
    {
        var pixelsPerImage = height * width;
        var similarities = new double[clean.Length / pixelsPerImage];
        Parallel.For(0, similarities.Length, parallel, i =>
            similarities[i] = StructuralSimilarity.Mean(clean.AsSpan(i * pixelsPerImage, pixelsPerImage), other.AsSpan(i * pixelsPerImage, pixelsPerImage), height, width));
        return new DenoiseScore(method, MeanPeakSignalToNoiseRatio(clean, other, pixelsPerImage), similarities.Average());
    }
}
