using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

public sealed class NoiseTests
{
    private const int Pixels = 20_000;

    [Theory]
    [InlineData("gaussian:0.3", NoiseKind.Gaussian, 0.3, 0.3)]
    [InlineData("salt-pepper:0.1", NoiseKind.SaltPepper, 0.1, 0.1)]
    [InlineData("mask:0.5", NoiseKind.Mask, 0.5, 0.5)]
    [InlineData("gaussian:0-0.5", NoiseKind.Gaussian, 0, 0.5)]
    [InlineData(" Mask:0.25-1 ", NoiseKind.Mask, 0.25, 1)]
    [InlineData("salt-pepper:.05", NoiseKind.SaltPepper, 0.05, 0.05)]
    [InlineData("salt-pepper:1e-2", NoiseKind.SaltPepper, 0.01, 0.01)]
    [InlineData("gaussian:1e-2-2.5e-1", NoiseKind.Gaussian, 0.01, 0.25)]
    public void ParseReadsAKindAndALevelOrARange(string text, NoiseKind kind, double min, double max)
    {
        Assert.Equal(new Noise(kind, min, max), Noise.Parse(text));
    }

    [Theory]
    [InlineData("gaussian:0.3")]
    [InlineData("salt-pepper:0-0.3")]
    [InlineData("mask:1")]
    public void ToStringWritesWhatParseReads(string text)
    {
        Assert.Equal(text, Noise.Parse(text).ToString());
    }

    [Theory]
    [InlineData("blur:0.3", "is not KIND:LEVEL or KIND:MIN-MAX with KIND one of gaussian, salt-pepper, mask")]
    [InlineData("gaussian", "is not KIND:LEVEL or KIND:MIN-MAX")]
    [InlineData("gaussian:0.3:1", "is not KIND:LEVEL or KIND:MIN-MAX")]
    [InlineData("gaussian:", "the level must be a number, or a range MIN-MAX of two")]
    [InlineData("gaussian:high", "the level must be a number, or a range MIN-MAX of two")]
    [InlineData("gaussian:-0.1", "the level must be a number, or a range MIN-MAX of two")]
    [InlineData("gaussian:0.1-0.2-0.3", "the level must be a number, or a range MIN-MAX of two")]
    [InlineData("gaussian:0,3", "the level must be a number")]
    [InlineData("mask:1.5", "levels must satisfy 0 <= MIN <= MAX <= 1")]
    [InlineData("mask:0.5-0.2", "levels must satisfy 0 <= MIN <= MAX <= 1")]
    [InlineData("mask:NaN", "the level must be a number")]
    public void ParseRejectsBadKindsAndLevelsSayingWhy(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Noise.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseListReadsCommaSeparatedNoises()
    {
        Assert.Equal(
            [new Noise(NoiseKind.Gaussian, 0, 0.5), new Noise(NoiseKind.SaltPepper, 0, 0.3), new Noise(NoiseKind.Mask, 0.2, 0.2)],
            Noise.ParseList("gaussian:0-0.5, salt-pepper:0-0.3,mask:0.2"));
    }

    [Fact]
    public void ParseListRejectsTheWholeListForOneBadNoise()
    {
        var error = Assert.Throws<FormatException>(() => Noise.ParseList("gaussian:0.3,speckle:0.1"));

        Assert.Contains("'speckle:0.1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GaussianNoiseChangesPixelsAndKeepsThemInTheUnitRange()
    {
        var clean = Gradient();
        var pixels = clean.ToArray();

        Noise.Parse("gaussian:0.1").Apply(pixels, new Random(1));

        Assert.All(pixels, pixel => Assert.InRange(pixel, 0f, 1f));
        Assert.True(pixels.Zip(clean).Count(pair => pair.First != pair.Second) > Pixels * 0.9);

        // Mid-grey pixels are hardly ever clipped, so there the spread is the level.
        var middle = pixels.Zip(clean).Where(pair => pair.Second is > 0.4f and < 0.6f).Select(pair => (double)(pair.First - pair.Second)).ToArray();
        Assert.InRange(Math.Sqrt(middle.Average(difference => difference * difference)), 0.09, 0.11);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.4)]
    public void SaltPepperSetsAboutItsLevelOfPixelsToBlackOrWhiteHalfEach(double level)
    {
        var pixels = Enumerable.Repeat(0.5f, Pixels).ToArray();

        new Noise(NoiseKind.SaltPepper, level, level).Apply(pixels, new Random(2));

        Assert.All(pixels, pixel => Assert.Contains(pixel, new[] { 0f, 0.5f, 1f }));
        Assert.InRange(pixels.Count(pixel => pixel != 0.5f), Pixels * (level - 0.02), Pixels * (level + 0.02));
        Assert.InRange(pixels.Count(pixel => pixel == 1f), Pixels * ((level / 2) - 0.02), Pixels * ((level / 2) + 0.02));
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.7)]
    public void MaskSetsAboutItsLevelOfPixelsToBlack(double level)
    {
        var pixels = Enumerable.Repeat(0.5f, Pixels).ToArray();

        new Noise(NoiseKind.Mask, level, level).Apply(pixels, new Random(3));

        Assert.All(pixels, pixel => Assert.Contains(pixel, new[] { 0f, 0.5f }));
        Assert.InRange(pixels.Count(pixel => pixel == 0f), Pixels * (level - 0.02), Pixels * (level + 0.02));
    }

    [Theory]
    [InlineData("gaussian:0-0.5")]
    [InlineData("salt-pepper:0.2")]
    [InlineData("mask:0.1-0.9")]
    public void TheSameSeedGivesTheSameNoiseAndAnotherSeedDifferentNoise(string noise)
    {
        var first = Gradient();
        var second = Gradient();
        var other = Gradient();

        Noise.Parse(noise).Apply(first, new Random(5));
        Noise.Parse(noise).Apply(second, new Random(5));
        Noise.Parse(noise).Apply(other, new Random(6));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void ARangeDrawsEachImagesLevelWithinIt()
    {
        // Masking a white image: the share of black pixels is the level drawn for it.
        var noise = Noise.Parse("mask:0.2-0.6");
        var random = new Random(7);
        var levels = Enumerable.Range(0, 200).Select(_ =>
        {
            var pixels = Enumerable.Repeat(1f, 2000).ToArray();
            noise.Apply(pixels, random);
            return pixels.Count(pixel => pixel == 0f) / 2000.0;
        }).ToArray();

        Assert.All(levels, level => Assert.InRange(level, 0.2 - 0.05, 0.6 + 0.05));
        Assert.True(levels.Min() < 0.28, $"lowest level {levels.Min()}");
        Assert.True(levels.Max() > 0.52, $"highest level {levels.Max()}");
    }

    [Fact]
    public void ApplyMixCorruptsEachImageWithOneOfTheNoisesChosenAtRandom()
    {
        // White images: mask:1 blackens all of an image, gaussian:0 leaves it as it is.
        var noises = Noise.ParseList("mask:1,gaussian:0");
        const int pixelsPerImage = 100;
        var images = Enumerable.Repeat(1f, 200 * pixelsPerImage).ToArray();

        Noise.ApplyMix(noises, images, pixelsPerImage, new Random(8));

        var blackImages = images.Chunk(pixelsPerImage).Select(image => image.Distinct().Single()).Count(pixel => pixel == 0f);
        Assert.InRange(blackImages, 70, 130);
    }

    /// <summary>Pixels spread evenly over [0,1].</summary>
    private static float[] Gradient() => [.. Enumerable.Range(0, Pixels).Select(i => i / (float)(Pixels - 1))];
}
