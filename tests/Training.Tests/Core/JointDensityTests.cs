using System.Text.Json;
using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

/// <summary>The joint term: the density of a code and its image's reconstruction errors together.</summary>
public sealed class JointDensityTests
{
    private const int Side = 28;
    private static readonly ImageShape Shape = new(1, Side, Side);

    /// <summary>
    /// Codes of one number, and the mse's log standardised by a median of log 0.01 and a spread of 1: two tight
    /// Gaussians where a low code comes with a small error and a high code with a large one.
    /// </summary>
    private static readonly JointDensity LowCodesReconstructWell = new(
        [new ErrorFeature(NoveltyTerms.MeanSquaredError, Math.Log(0.01), 1)],
        new LatentPrior
        {
            Kind = LatentPrior.GaussianMixtureKind,
            Components =
            [
                new PriorComponent(0.5, [-2, -1], [[0.25, 0], [0, 0.25]]),
                new PriorComponent(0.5, [2, 1], [[0.25, 0], [0, 0.25]]),
            ],
        });

    [Fact]
    public void TheJointTermIsTheNegativeLogDensityOfTheCodeFollowedByTheStandardisedLogErrors()
    {
        var joint = new JointDensity([new ErrorFeature(NoveltyTerms.MeanSquaredError, Math.Log(0.04), 2)], LatentPrior.StandardNormal(2));
        var terms = new NoveltyTerms(Shape, prior: null, joint);
        var original = new float[Shape.PixelCount];
        var reconstruction = Enumerable.Repeat(0.2f, Shape.PixelCount).ToArray();

        // mse 0.04: its log is the median, a standardised 0; the code 1: -log N((1, 0) | 0, I) = log 2π + 1/2.
        Assert.Equal(Math.Log(2 * Math.PI) + 0.5, terms.Compute(NoveltyTerms.Joint, original, reconstruction, [1]), 5);

        // An error e² times larger is 2 / 2 = 1 spread above the median: log 2π + (1 + 1) / 2.
        var worse = Enumerable.Repeat((float)(0.2 * Math.E), Shape.PixelCount).ToArray();
        Assert.Equal(Math.Log(2 * Math.PI) + 1, terms.Compute(NoveltyTerms.Joint, original, worse, [1]), 4);
    }

    [Fact]
    public void AnErrorUnusualForItsCodeIsStrangerThanTheSameErrorWhereItIsUsual()
    {
        var terms = new NoveltyTerms(Shape, prior: null, LowCodesReconstructWell);
        var original = new float[Shape.PixelCount];

        // A large error: mse 0.01 e, one spread above the median, as the high codes' images have.
        var poor = Enumerable.Repeat((float)Math.Sqrt(0.01 * Math.E), Shape.PixelCount).ToArray();
        var withHighCode = terms.Compute(NoveltyTerms.Joint, original, poor, [2]);
        var withLowCode = terms.Compute(NoveltyTerms.Joint, original, poor, [-2]);

        // Each code alone is as likely as the other, and so is the error alone; together they are not.
        Assert.True(withLowCode > withHighCode + 5, $"low code {withLowCode}, high code {withHighCode}");
    }

    [Fact]
    public void AScorerWithAJointTermScoresItAsTheTermsDo()
    {
        var calibration = new ScorerCalibration(
            "validation",
            100,
            [new ScoreTerm(NoveltyTerms.MeanSquaredError, 0, 0.01, 0.01), new ScoreTerm(NoveltyTerms.Joint, 1, 3, 2)],
            [.. Enumerable.Range(0, 101).Select(p => (p - 50) / 10.0)])
        {
            Joint = LowCodesReconstructWell,
        };
        var scorer = new NoveltyScorer(calibration, Shape, prior: null, latentSize: 1);
        var original = new float[Shape.PixelCount];
        var reconstruction = Enumerable.Repeat(0.1f, Shape.PixelCount).ToArray();

        var score = scorer.Score(original, reconstruction, [-2]);

        var joint = new NoveltyTerms(Shape, null, LowCodesReconstructWell).Compute(NoveltyTerms.Joint, original, reconstruction, [-2]);
        Assert.Equal(joint, score.Terms[1].Value, 12);
        Assert.Equal((joint - 3) / 2, score.Score, 12);
    }

    [Fact]
    public void AJointDensityThatDoesNotFitTheModelSaysWhy()
    {
        var percentiles = Enumerable.Range(0, 101).Select(p => (double)p).ToArray();
        var calibration = new ScorerCalibration("validation", 10, [new ScoreTerm(NoveltyTerms.Joint, 1, 0, 1)], percentiles);

        Assert.Contains("scorer.joint", calibration.Problem(Shape, prior: null), StringComparison.Ordinal);
        Assert.Null((calibration with { Joint = LowCodesReconstructWell }).Problem(Shape, prior: null, latentSize: 1));
        Assert.Contains(
            "must be over 4 numbers (the code's 3 and 1 error(s)), not 2",
            (calibration with { Joint = LowCodesReconstructWell }).Problem(Shape, prior: null, latentSize: 3),
            StringComparison.Ordinal);
        Assert.Contains(
            "the errors are mse, structural, local",
            (calibration with { Joint = LowCodesReconstructWell with { Errors = [new ErrorFeature(NoveltyTerms.Prior, 0, 1)] } }).Problem(Shape, null, 1),
            StringComparison.Ordinal);
        Assert.Contains(
            "spread",
            (calibration with { Joint = LowCodesReconstructWell with { Errors = [new ErrorFeature(NoveltyTerms.MeanSquaredError, 0, 0)] } }).Problem(Shape, null, 1),
            StringComparison.Ordinal);
    }

    [Fact]
    public void AScorerWritesItsJointDensityAndOneWithoutWritesNoneAndReadsAsBefore()
    {
        var percentiles = Enumerable.Range(0, 101).Select(p => (double)p).ToArray();
        var plain = new ScorerCalibration("validation", 10, [new ScoreTerm(NoveltyTerms.MeanSquaredError, 1, 0, 1)], percentiles);
        var withJoint = plain with { Joint = LowCodesReconstructWell };

        var plainJson = JsonSerializer.Serialize(plain, ModelManifest.JsonOptions);
        var jointJson = JsonSerializer.Serialize(withJoint, ModelManifest.JsonOptions);
        var readBack = JsonSerializer.Deserialize<ScorerCalibration>(jointJson, ModelManifest.JsonOptions)!;

        Assert.DoesNotContain("joint", plainJson, StringComparison.Ordinal);
        Assert.Null(JsonSerializer.Deserialize<ScorerCalibration>(plainJson, ModelManifest.JsonOptions)!.Joint);
        Assert.Contains("\"joint\"", jointJson, StringComparison.Ordinal);
        Assert.Equal(LowCodesReconstructWell.Errors, readBack.Joint!.Errors);
        Assert.Equal(LowCodesReconstructWell.Mixture.Components.Select(component => component.Mean.ToArray()), readBack.Joint.Mixture.Components.Select(component => component.Mean.ToArray()));
    }
}
