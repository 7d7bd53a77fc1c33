using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

/// <summary>SSIM on cases worked by hand.</summary>
public sealed class StructuralSimilarityTests
{
    private const double C1 = 0.01 * 0.01;

    [Fact]
    public void StructuralSimilarityOfAnImageWithItselfIsOne()
    {
        var random = new Random(3);
        float[] image = [.. Enumerable.Range(0, 28 * 28).Select(_ => random.NextSingle())];

        Assert.Equal(1.0, StructuralSimilarity.Mean(image, image, 28, 28), 12);
    }

    [Theory]
    [InlineData(0.3f, 0.2f)]
    [InlineData(0.0f, 0.5f)]
    [InlineData(0.9f, -0.4f)]
    public void StructuralSimilarityOfAConstantImageAndItsShiftIsTheLuminanceTermAlone(float level, float shift)
    {
        // No variance on either side: the contrast-structure term is C2 / C2, and the luminance term is the whole of it.
        float[] first = [.. Enumerable.Repeat(level, 16 * 20)];
        float[] second = [.. Enumerable.Repeat(level + shift, 16 * 20)];
        double a = level;
        double b = level + shift;

        Assert.Equal(((2 * a * b) + C1) / ((a * a) + (b * b) + C1), StructuralSimilarity.Mean(first, second, 16, 20), 6);
    }

    [Fact]
    public void StructuralSimilarityFallsWithNoiseAndIsSymmetric()
    {
        var random = new Random(5);
        float[] clean = [.. Enumerable.Range(0, 28 * 28).Select(i => (i % 28) / 27f)];
        float[] noisy = [.. clean.Select(pixel => Math.Clamp(pixel + ((random.NextSingle() - 0.5f) * 0.4f), 0f, 1f))];

        var similarity = StructuralSimilarity.Mean(clean, noisy, 28, 28);

        Assert.InRange(similarity, 0.05, 0.95);
        Assert.Equal(similarity, StructuralSimilarity.Mean(noisy, clean, 28, 28), 12);
    }

    [Fact]
    public void StructuralSimilarityOfAColourImageIsTheMeanOfItsChannels()
    {
        var random = new Random(7);
        float[] clean = [.. Enumerable.Range(0, 3 * 16 * 20).Select(_ => random.NextSingle())];
        // Red untouched, green noisy, blue shifted: each channel's SSIM differs, and the colour SSIM is their mean.
        float[] changed = [.. clean.Select((pixel, i) => (i / (16 * 20)) switch
        {
            0 => pixel,
            1 => Math.Clamp(pixel + ((random.NextSingle() - 0.5f) * 0.6f), 0f, 1f),
            _ => pixel * 0.5f,
        })];
        var plane = 16 * 20;
        double[] channels = [.. Enumerable.Range(0, 3).Select(c => StructuralSimilarity.Mean(clean.AsSpan(c * plane, plane), changed.AsSpan(c * plane, plane), 16, 20))];

        Assert.Equal(1.0, channels[0], 12);
        Assert.True(channels[1] < 0.9 && channels[2] < 1.0 && channels[1] != channels[2], string.Join(", ", channels));
        Assert.Equal(channels.Average(), StructuralSimilarity.MeanOverChannels(clean, changed, 3, 16, 20), 12);
    }

    [Fact]
    public void TheStructuralTermIsAvailableForColourImages()
    {
        var terms = new NoveltyTerms(new ImageShape(3, 16, 20), prior: null);
        float[] image = [.. Enumerable.Range(0, 3 * 16 * 20).Select(i => (i % 20) / 19f)];
        float[] reconstruction = [.. image.Select((pixel, i) => i < 16 * 20 ? pixel : 1 - pixel)];

        Assert.Contains(NoveltyTerms.Structural, terms.Available);
        Assert.Equal(0.0, terms.Compute(NoveltyTerms.Structural, image, image, []), 12);
        Assert.InRange(terms.Compute(NoveltyTerms.Structural, image, reconstruction, []), 0.3, 2.0);
    }

    [Fact]
    public void StructuralSimilarityRefusesImagesSmallerThanItsWindow() =>
        Assert.Throws<ArgumentException>(() => StructuralSimilarity.Mean(new float[10 * 10], new float[10 * 10], 10, 10));
}
