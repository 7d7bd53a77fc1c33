using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Tests.Evaluation;

/// <summary>The median filter on cases worked by hand.</summary>
public sealed class ClassicalDenoisersTests
{
    [Fact]
    public void MedianFilterTakesEachPixelsThreeByThreeMedianWithEdgesRepeated()
    {
        // 1..9 in a 3x3 image; at the corner (0,0) the repeated edges give 1,1,2, 1,1,2, 4,4,5, whose median is 2.
        float[] image = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

        Assert.Equal([0.2f, 0.3f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.7f, 0.8f], ClassicalDenoisers.Median3x3(image, 3, 3));
    }

    [Fact]
    public void MedianFilterRemovesAnIsolatedSpeck()
    {
        var image = new float[5 * 5];
        image[12] = 1f;

        Assert.All(ClassicalDenoisers.Median3x3(image, 5, 5), pixel => Assert.Equal(0f, pixel));
    }
}
