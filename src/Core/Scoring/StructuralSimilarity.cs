namespace Autoencoder.Core;

/// <summary>
/// SSIM (Wang, Bovik, Sheikh and Simoncelli, 2004) of two gray images of [0,1] pixels, as its authors define it: local
/// statistics under an 11x11 Gaussian window of standard deviation 1.5, C1 = (0.01)^2 and C2 = (0.03)^2 for a dynamic
/// range of 1, averaged over every position where the window lies wholly inside the image.
/// </summary>
public static class StructuralSimilarity
{
    public const int WindowSize = 11;
    private const double WindowDeviation = 1.5;
    private const double C1 = 0.01 * 0.01;
    private const double C2 = 0.03 * 0.03;

    private static readonly double[] Weights = GaussianWeights();

    /// <summary>Mean SSIM of two images of <paramref name="height"/> x <paramref name="width"/> pixels, row-major.</summary>
    public static double Mean(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int height, int width)
    {
        if (first.Length != height * width || second.Length != height * width)
        {
            throw new ArgumentException($"images of {first.Length} and {second.Length} pixels are not both {height}x{width}");
        }

        if (height < WindowSize || width < WindowSize)
        {
            throw new ArgumentException($"a {height}x{width} image is smaller than the {WindowSize}x{WindowSize} window");
        }

        // The five local statistics, each filtered along rows first: columns reduce to width - WindowSize + 1.
        var outWidth = width - WindowSize + 1;
        var outHeight = height - WindowSize + 1;
        var rowFiltered = new double[5][];
        for (var statistic = 0; statistic < 5; statistic++)
        {
            rowFiltered[statistic] = new double[height * outWidth];
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                double meanFirst = 0, meanSecond = 0, squareFirst = 0, squareSecond = 0, product = 0;
                for (var k = 0; k < WindowSize; k++)
                {
                    var weight = Weights[k];
                    double a = first[(y * width) + x + k];
                    double b = second[(y * width) + x + k];
                    meanFirst += weight * a;
                    meanSecond += weight * b;
                    squareFirst += weight * a * a;
                    squareSecond += weight * b * b;
                    product += weight * a * b;
                }

                var index = (y * outWidth) + x;
                rowFiltered[0][index] = meanFirst;
                rowFiltered[1][index] = meanSecond;
                rowFiltered[2][index] = squareFirst;
                rowFiltered[3][index] = squareSecond;
                rowFiltered[4][index] = product;
            }
        }

        double sum = 0;
        Span<double> local = stackalloc double[5];
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                local.Clear();
                for (var k = 0; k < WindowSize; k++)
                {
                    var index = ((y + k) * outWidth) + x;
                    for (var statistic = 0; statistic < 5; statistic++)
                    {
                        local[statistic] += Weights[k] * rowFiltered[statistic][index];
                    }
                }

                var (muFirst, muSecond) = (local[0], local[1]);
                var varianceFirst = local[2] - (muFirst * muFirst);
                var varianceSecond = local[3] - (muSecond * muSecond);
                var covariance = local[4] - (muFirst * muSecond);
                sum += ((2 * muFirst * muSecond) + C1) * ((2 * covariance) + C2)
                    / (((muFirst * muFirst) + (muSecond * muSecond) + C1) * (varianceFirst + varianceSecond + C2));
            }
        }

        return sum / (outHeight * outWidth);
    }

    private static double[] GaussianWeights()
    {
        var center = WindowSize / 2;
        double[] weights = [.. Enumerable.Range(0, WindowSize).Select(i => Math.Exp(-((i - center) * (i - center)) / (2 * WindowDeviation * WindowDeviation)))];
        var total = weights.Sum();
        return [.. weights.Select(weight => weight / total)];
    }
}
