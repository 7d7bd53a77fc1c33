using Autoencoder.Core;
using Autoencoder.Training.Novelty;

namespace Autoencoder.Training.Tests.Novelty;

/// <summary>The trainer's joint density of codes and reconstruction errors, fitted to normal images.</summary>
public sealed class JointDensityFitTests
{
    private static readonly ImageShape Shape = new(1, 12, 12);

    [Fact]
    public void EachErrorsLogIsStandardisedByItsMedianAndInterquartileRangeOnTheTrainingImages()
    {
        var (pixels, reconstructions, codes, count) = Images(400, seed: 1);

        var joint = JointDensityFit.Fit(Shape, [NoveltyTerms.MeanSquaredError, NoveltyTerms.Local], pixels, reconstructions, codes, count, components: 2, seed: 1);

        var values = NoveltyScorer.ComputeTerms(new NoveltyTerms(Shape, prior: null), [NoveltyTerms.MeanSquaredError, NoveltyTerms.Local], pixels, reconstructions, codes, count);
        Assert.Equal([NoveltyTerms.MeanSquaredError, NoveltyTerms.Local], joint.Errors.Select(error => error.Name));
        for (var index = 0; index < 2; index++)
        {
            double[] logs = [.. values[index].Select(value => Math.Log(value)).Order()];
            Assert.Equal(Percentiles.Of(logs, 50), joint.Errors[index].Median, 9);
            Assert.Equal(Percentiles.Of(logs, 75) - Percentiles.Of(logs, 25), joint.Errors[index].Spread, 9);
        }

        Assert.Equal(2, joint.Mixture.Components.Count);
        Assert.Null(joint.Problem(latentSize: 1));
    }

    [Fact]
    public void ANormalImageIsLikelyAndAnImageWithAnotherCodesErrorIsNot()
    {
        var (pixels, reconstructions, codes, count) = Images(600, seed: 2);
        var joint = JointDensityFit.Fit(Shape, [NoveltyTerms.MeanSquaredError], pixels, reconstructions, codes, count, components: 2, seed: 1);
        var terms = new NoveltyTerms(Shape, prior: null, joint);
        var (normalPixels, normalReconstructions, normalCodes, _) = Images(2, seed: 3);
        var size = Shape.PixelCount;
        double Joint(int image, float code) =>
            terms.Compute(NoveltyTerms.Joint, normalPixels.AsSpan(image * size, size), normalReconstructions.AsSpan(image * size, size), [code]);

        // Image 0 has a low code and a small error, image 1 a high code and a large one; swapping the codes makes both strange.
        Assert.True(normalCodes[0] < 0 && normalCodes[1] > 0);
        Assert.True(Joint(0, -normalCodes[0]) > Joint(0, normalCodes[0]) + 10, $"{Joint(0, -normalCodes[0])} against {Joint(0, normalCodes[0])}");
        Assert.True(Joint(1, -normalCodes[1]) > Joint(1, normalCodes[1]) + 10, $"{Joint(1, -normalCodes[1])} against {Joint(1, normalCodes[1])}");
    }

    [Fact]
    public void AnErrorThatIsNotAnImageErrorIsRefused()
    {
        var (pixels, reconstructions, codes, count) = Images(10, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => JointDensityFit.Fit(Shape, [NoveltyTerms.Prior], pixels, reconstructions, codes, count, 1, 1));

        Assert.Contains("mse, structural, local", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelAskedForTheJointTermRecordsItsDensityAndCalibratesIt()
    {
        var (pixels, reconstructions, codes, count) = Images(200, seed: 4);
        var joint = JointDensityFit.Fit(Shape, JointDensityFit.DefaultErrors, pixels, reconstructions, codes, count, components: 1, seed: 1);
        var (validationPixels, validationReconstructions, validationCodes, validationCount) = Images(40, seed: 5);

        var calibration = NoveltyCalibration.Calibrate(
            Shape, LatentPrior.StandardNormal(1), validationPixels, validationReconstructions, validationCodes, validationCount, counted: [new(NoveltyTerms.Joint)], joint: joint);
        var refitted = NoveltyCalibration.Calibrate(
            Shape, LatentPrior.StandardNormal(1), validationPixels, validationReconstructions, validationCodes, validationCount, previous: calibration);

        Assert.Equal([.. NoveltyTerms.Names, NoveltyTerms.Joint], calibration.Terms.Select(term => term.Name));
        Assert.Equal([0.0, 0, 0, 0, 1], calibration.Terms.Select(term => term.Weight));
        Assert.Same(joint, calibration.Joint);
        Assert.Same(joint, refitted.Joint);
        Assert.Null(calibration.Problem(Shape, LatentPrior.StandardNormal(1)));
    }

    /// <summary>
    /// Images of noise whose reconstruction error grows with a one-number code: codes near −2 reconstruct with an
    /// error of about 0.01 per pixel, codes near 2 with about 0.09.
    /// </summary>
    private static (float[] Pixels, float[] Reconstructions, float[] Codes, int Count) Images(int count, int seed)
    {
        var random = new Random(seed);
        var size = Shape.PixelCount;
        var pixels = new float[count * size];
        var reconstructions = new float[count * size];
        var codes = new float[count];
        for (var image = 0; image < count; image++)
        {
            var high = image % 2 == 1;
            codes[image] = (float)((high ? 2 : -2) + (0.2 * (random.NextDouble() - 0.5)));
            var error = (high ? 0.3 : 0.1) * (1 + (0.2 * (random.NextDouble() - 0.5)));
            for (var pixel = 0; pixel < size; pixel++)
            {
                var value = (float)(0.35 + (0.3 * random.NextDouble()));
                pixels[(image * size) + pixel] = value;
                reconstructions[(image * size) + pixel] = value + (float)(random.NextDouble() < 0.5 ? error : -error);
            }
        }

        return (pixels, reconstructions, codes, count);
    }
}
