using Autoencoder.Core;
using Autoencoder.Training.Novelty;

namespace Autoencoder.Training.Tests.Novelty;

/// <summary>Which terms a trained model's scorer adds up: the default, or those the trainer was told.</summary>
public sealed class NoveltyCalibrationTests
{
    private static readonly ImageShape Shape = new(1, 12, 12);

    [Fact]
    public void EveryTermTheModelAllowsIsRecordedAndOnlyTheDefaultOnesCount()
    {
        var calibration = Calibrate(counted: null);

        Assert.Equal(NoveltyTerms.Names, calibration.Terms.Select(term => term.Name));
        Assert.Equal(
            NoveltyCalibration.DefaultTerms.Select(term => term.Name).Order(),
            calibration.Terms.Where(term => term.Weight == 1).Select(term => term.Name).Order());
        Assert.All(calibration.Terms.Where(term => NoveltyCalibration.DefaultTerms.All(counted => counted.Name != term.Name)), term => Assert.Equal(0, term.Weight));
    }

    [Fact]
    public void TheTermsNamedAreTheOnesThatCountWithTheirWeights()
    {
        var calibration = Calibrate(counted: [new(NoveltyTerms.Structural), new(NoveltyTerms.Prior, 2)]);

        Assert.Equal(
            [(NoveltyTerms.MeanSquaredError, 0.0), (NoveltyTerms.Structural, 1.0), (NoveltyTerms.Local, 0.0), (NoveltyTerms.Prior, 2.0)],
            calibration.Terms.Select(term => (term.Name, term.Weight)));
    }

    [Fact]
    public void ATermTheModelCannotComputeIsRefusedWithItsReason()
    {
        var error = Assert.Throws<ArgumentException>(() => NoveltyCalibration.Calibrate(
            Shape, prior: null, new float[Shape.PixelCount * 4], new float[Shape.PixelCount * 4], new float[8], 4, counted: [new(NoveltyTerms.Prior)]));

        Assert.Contains("'prior' cannot count for this model", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs the model's prior", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("structural, prior", "structural,prior", null)]
    [InlineData("mse,mse", "mse", null)]
    [InlineData("prior:2, structural", "prior:2,structural", null)]
    [InlineData("prior:0.5,mse:1", "prior:0.5,mse", null)]
    [InlineData("prior:0", null, "'prior:0': a term's weight must be a positive number, as in prior:2")]
    [InlineData("prior:two", null, "'prior:two': a term's weight must be a positive number, as in prior:2")]
    [InlineData("prior,ssim", null, "'ssim' is not a term; the terms are mse, structural, local, prior, joint")]
    [InlineData(" , ", null, "name at least one of mse, structural, local, prior, joint")]
    public void ATermListIsReadOrRefusedWithWhatToFix(string list, string? terms, string? problem)
    {
        var (parsed, reason) = NoveltyCalibration.ParseTerms(list);

        Assert.Equal(terms, parsed is null ? null : string.Join(',', parsed));
        Assert.Equal(problem, reason);
    }

    private static ScorerCalibration Calibrate(IReadOnlyList<CountedTerm>? counted)
    {
        const int Images = 6;
        var random = new Random(3);
        var pixels = new float[Images * Shape.PixelCount];
        var reconstructions = new float[Images * Shape.PixelCount];
        for (var index = 0; index < pixels.Length; index++)
        {
            pixels[index] = (float)random.NextDouble();
            reconstructions[index] = (float)random.NextDouble();
        }

        var codes = Enumerable.Range(0, Images * 2).Select(_ => (float)random.NextDouble()).ToArray();
        return NoveltyCalibration.Calibrate(Shape, LatentPrior.StandardNormal(2), pixels, reconstructions, codes, Images, counted: counted);
    }
}
