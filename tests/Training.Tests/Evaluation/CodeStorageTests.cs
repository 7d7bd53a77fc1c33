using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Tests.Evaluation;

public sealed class CodeStorageTests
{
    [Fact]
    public void Int8ScaleMapsTheLargestTrainingMagnitudeTo127()
    {
        var quantizer = Int8Quantizer.FromTrainingCodes([0.5f, -2.54f, 1f]);

        Assert.Equal(0.02f, quantizer.Scale, precision: 6);
        Assert.Equal(-127, quantizer.Quantize(-2.54f));
        Assert.Equal(50, quantizer.Quantize(1f));
    }

    [Fact]
    public void Int8RoundTripIsWithinHalfAStepAndClampsValuesBeyondTheTrainingRange()
    {
        var random = new Random(3);
        float[] training = [.. Enumerable.Range(0, 1000).Select(_ => (float)((random.NextDouble() * 16) - 8))];
        var quantizer = Int8Quantizer.FromTrainingCodes(training);
        float[] test = [.. training.Take(100), 20f, -20f];

        var stored = CodeStorage.Int8.RoundTrip(test, quantizer);

        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(Math.Abs(stored[i] - test[i]), 0, (quantizer.Scale / 2) + 1e-6);
        }

        Assert.Equal(127 * quantizer.Scale, stored[100], precision: 5);
        Assert.Equal(-127 * quantizer.Scale, stored[101], precision: 5);
    }

    [Fact]
    public void Float32KeepsValuesAndFloat16RoundsToHalfPrecision()
    {
        float[] codes = [1.0f, 0.1f, -3.14159f, 1000.7f];
        var unused = new Int8Quantizer(1f);

        Assert.Equal(codes, CodeStorage.Float32.RoundTrip(codes, unused));
        var half = CodeStorage.Float16.RoundTrip(codes, unused);
        Assert.Equal(1.0f, half[0]);
        Assert.NotEqual(0.1f, half[1]);
        Assert.Equal(0.1f, half[1], precision: 3);
        Assert.Equal(-3.140625f, half[2]);
        Assert.Equal(1000.5f, half[3]);
    }

    [Fact]
    public void BytesPerNumberAreFourTwoAndOne()
    {
        Assert.Equal([4, 2, 1], Enum.GetValues<CodeStorage>().Select(storage => storage.BytesPerNumber()));
    }
}
