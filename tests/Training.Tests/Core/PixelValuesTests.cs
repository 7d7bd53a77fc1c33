using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

public sealed class PixelValuesTests
{
    [Fact]
    public void EveryByteBecomesItsValueOverTwoHundredFiftyFiveAndComesBackUnchanged()
    {
        byte[] bytes = [.. Enumerable.Range(0, 256).Select(value => (byte)value)];

        var unit = PixelValues.ToUnit(bytes);

        Assert.Equal(bytes.Select(value => value / 255f), unit);
        Assert.Equal(bytes, PixelValues.ToBytes(unit));
    }

    [Theory]
    [InlineData(2.5f / 255f, 3)] // a tie rounds away from zero (half to even would give 2)
    [InlineData(0.5f / 255f, 1)]
    [InlineData(2.49f / 255f, 2)]
    [InlineData(-3f, 0)]
    [InlineData(7f, 255)]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 255)]
    public void AModelPixelBecomesTheNearestByteWithTiesAwayFromZeroClampedAndNaNBlack(float value, byte expected)
    {
        Assert.Equal(expected, PixelValues.ToByte(value));
    }

    [Fact]
    public void MeanSquaredErrorIsTheMeanOfSquaredDifferencesInUnitScaleForFloatsAndBytesAlike()
    {
        float[] first = [0f, 0.5f, 1f, 0.25f];
        float[] second = [0.5f, 0.5f, 0f, 0.75f];
        byte[] firstBytes = [0, 51, 255];
        byte[] secondBytes = [255, 0, 255];

        Assert.Equal((0.25 + 0 + 1 + 0.25) / 4, PixelValues.MeanSquaredError(first, second), 12);
        Assert.Equal((1 + (0.2 * 0.2) + 0) / 3, PixelValues.MeanSquaredError(firstBytes, secondBytes), 12);
    }

    [Fact]
    public void PeakSignalToNoiseRatioIsTenLog10OfOneOverTheMeanSquaredError()
    {
        // Every pixel off by 0.1: MSE 0.01, so 20 dB; off by 0.01 in a quarter of the pixels: MSE 2.5e-5, so 46.02 dB.
        Assert.Equal(20, PixelValues.PeakSignalToNoiseRatio([0.2f, 0.5f, 0.9f], [0.3f, 0.4f, 1f]), 4);
        Assert.Equal(10 * Math.Log10(1 / 2.5e-5), PixelValues.PeakSignalToNoiseRatio([0.5f, 0.5f, 0.5f, 0.5f], [0.51f, 0.5f, 0.5f, 0.5f]), 4);
        Assert.Equal(double.PositiveInfinity, PixelValues.PeakSignalToNoiseRatio([0.5f], [0.5f]));
    }

    [Fact]
    public void ImagesOfDifferentLengthsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PixelValues.MeanSquaredError([0f, 1f], [0f]));
        Assert.Throws<ArgumentException>(() => PixelValues.ToBytes([0f, 1f], new byte[1]));
    }
}
