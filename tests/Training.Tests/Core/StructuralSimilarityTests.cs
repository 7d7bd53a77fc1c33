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
    public void StructuralSimilarityRefusesImagesSmallerThanItsWindow() =>
        Assert.Throws<ArgumentException>(() => StructuralSimilarity.Mean(new float[10 * 10], new float[10 * 10], 10, 10));
}
