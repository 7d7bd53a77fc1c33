using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

/// <summary>The novelty terms on images and codes whose answer is known.</summary>
public sealed class NoveltyTermsTests
{
    private const int Side = 28;
    private static readonly ImageShape Shape = new(1, Side, Side);

    private static readonly LatentPrior TwoBlobs = TestPriors.TwoBlobs;

    [Fact]
    public void AFewStronglyWrongPixelsMoveTheLocalErrorMoreThanABlurOfTheSameMeanSquaredErrorAndSsimTheOtherWayRound()
    {
        var digit = Stroke();
        var blurred = BoxBlur(digit);
        var blurError = PixelValues.MeanSquaredError(digit, blurred);

        // The same mean squared error, spent on a few pixels in one place: a blot of full-strength ink on the background.
        var blotted = (float[])digit.Clone();
        var wrongPixels = (int)Math.Round(blurError * Side * Side);
        for (var index = 0; index < wrongPixels; index++)
        {
            blotted[((3 + (index / 4)) * Side) + 3 + (index % 4)] = 1;
        }

        var terms = new NoveltyTerms(Shape, prior: null);
        double Term(string name, float[] reconstruction) => terms.Compute(name, digit, reconstruction, []);

        Assert.InRange(wrongPixels, 2, 40);
        Assert.Equal(Term(NoveltyTerms.MeanSquaredError, blurred), Term(NoveltyTerms.MeanSquaredError, blotted), 0.2 * blurError);
        Assert.True(Term(NoveltyTerms.Local, blotted) > 2 * Term(NoveltyTerms.Local, blurred), $"local: blot {Term(NoveltyTerms.Local, blotted)}, blur {Term(NoveltyTerms.Local, blurred)}");

        // SSIM is built to see lost structure, and a blur loses more of it than a blot on the background: the two
        // image terms disagree, which is why both are offered.
        Assert.True(Term(NoveltyTerms.Structural, blurred) > Term(NoveltyTerms.Structural, blotted), $"structural: blot {Term(NoveltyTerms.Structural, blotted)}, blur {Term(NoveltyTerms.Structural, blurred)}");
    }

    [Fact]
    public void AnImageReconstructedExactlyScoresZeroOnEveryImageTerm()
    {
        var digit = Stroke();
        var terms = new NoveltyTerms(Shape, prior: null);

        Assert.Equal(0, terms.Compute(NoveltyTerms.MeanSquaredError, digit, digit, []));
        Assert.Equal(0, terms.Compute(NoveltyTerms.Local, digit, digit, []));
        Assert.Equal(0, terms.Compute(NoveltyTerms.Structural, digit, digit, []), 12);
    }

    [Fact]
    public void TheLocalErrorIsTheMeanSquaredErrorOfTheWorstWindow()
    {
        var original = new float[Side * Side];
        var reconstruction = new float[Side * Side];
        reconstruction[(10 * Side) + 10] = 0.5f;
        reconstruction[(12 * Side) + 12] = 0.5f;
        reconstruction[(25 * Side) + 2] = 0.3f;

        // A 7x7 window holds both 0.5 errors, none holds the third with them: (0.25 + 0.25) / 49.
        Assert.Equal(0.5 / 49, NoveltyTerms.LocalError(original, reconstruction, Shape), 12);
    }

    [Fact]
    public void ACodeAtAComponentsMeanIsLikelierThanOneFarAwayAndTheDensityIsTheMixturesOwn()
    {
        var terms = new NoveltyTerms(Shape, TwoBlobs);
        var image = new float[Side * Side];
        double Prior(float[] code) => terms.Compute(NoveltyTerms.Prior, image, image, code);

        var atMean = Prior([4, 2]);
        var farAway = Prior([40, -30]);

        Assert.True(farAway > atMean + 100, $"at the mean {atMean}, far away {farAway}");

        // By hand: the second component's density at its own mean, 0.75 / (2π √(0.25·4)), plus the first's there.
        var first = 0.25 / (2 * Math.PI * Math.Sqrt(0.75)) * Math.Exp(-0.5 * Mahalanobis([8, 2], [[1, 0.5], [0.5, 1]]));
        var second = 0.75 / (2 * Math.PI * 1);
        Assert.Equal(-Math.Log(first + second), atMean, 10);
    }

    [Fact]
    public void UnderTheStandardNormalTheNegativeLogDensityIsHalfTheSquaredLengthPlusTheConstant()
    {
        var terms = new NoveltyTerms(new ImageShape(1, 4, 4), LatentPrior.StandardNormal(3));

        var value = terms.Compute(NoveltyTerms.Prior, new float[16], new float[16], [1, -2, 2]);

        Assert.Equal((0.5 * 9) + (1.5 * Math.Log(2 * Math.PI)), value, 12);
    }

    [Fact]
    public void TermsAModelCannotHaveSayWhy()
    {
        var small = new NoveltyTerms(new ImageShape(1, 8, 8), prior: null);

        Assert.Equal([NoveltyTerms.MeanSquaredError, NoveltyTerms.Local], small.Available);
        Assert.Contains("at least 11x11", small.Problem(NoveltyTerms.Structural), StringComparison.Ordinal);
        Assert.Contains("prior", small.Problem(NoveltyTerms.Prior), StringComparison.Ordinal);
        Assert.Contains("no score term", small.Problem("psnr"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => small.Compute(NoveltyTerms.Prior, new float[64], new float[64], [0]));
    }

    private static double Mahalanobis(double[] offset, double[][] covariance)
    {
        var determinant = (covariance[0][0] * covariance[1][1]) - (covariance[0][1] * covariance[1][0]);
        var (a, b, d) = (covariance[1][1] / determinant, -covariance[0][1] / determinant, covariance[0][0] / determinant);
        return (a * offset[0] * offset[0]) + (2 * b * offset[0] * offset[1]) + (d * offset[1] * offset[1]);
    }

    /// <summary>A "1": a vertical bar three pixels wide, full ink.</summary>
    private static float[] Stroke()
    {
        var image = new float[Side * Side];
        for (var y = 5; y < 23; y++)
        {
            for (var x = 13; x < 16; x++)
            {
                image[(y * Side) + x] = 1;
            }
        }

        return image;
    }

    private static float[] BoxBlur(float[] image)
    {
        var blurred = new float[image.Length];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var (sum, count) = (0f, 0);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (y + dy is >= 0 and < Side && x + dx is >= 0 and < Side)
                        {
                            sum += image[((y + dy) * Side) + x + dx];
                            count++;
                        }
                    }
                }

                blurred[(y * Side) + x] = sum / count;
            }
        }

        return blurred;
    }
}
