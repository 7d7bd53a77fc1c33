using System.Buffers;
using System.Numerics;

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

    /// <summary>
    /// Mean SSIM of two images of <paramref name="channels"/> planes of <paramref name="height"/> x <paramref name="width"/>
    /// pixels (channel-major, each plane row-major): each channel's SSIM, averaged, as colour SSIM is usually reported.
    /// </summary>
    public static double MeanOverChannels(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int channels, int height, int width)
    {
        var plane = height * width;
        if (channels < 1 || first.Length != channels * plane || second.Length != channels * plane)
        {
            throw new ArgumentException($"images of {first.Length} and {second.Length} values are not both {channels}x{height}x{width}");
        }

        var sum = 0.0;
        for (var channel = 0; channel < channels; channel++)
        {
            sum += Mean(first.Slice(channel * plane, plane), second.Slice(channel * plane, plane), height, width);
        }

        return sum / channels;
    }

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

        // The five local statistics (means, squares and product of the two images), each filtered along rows first
        // (columns reduce to width - WindowSize + 1), then along columns: each filter step is one weighted row added to
        // another, in the window's order, so every position sums its terms in the same order as a direct 2-D sum.
        var outWidth = width - WindowSize + 1;
        var outHeight = height - WindowSize + 1;
        var (planeSize, rowSize, outSize) = (height * width, height * outWidth, outHeight * outWidth);
        var buffer = ArrayPool<double>.Shared.Rent(5 * (planeSize + rowSize + outSize));
        try
        {
            var planes = buffer.AsSpan(0, 5 * planeSize);
            var rowFiltered = buffer.AsSpan(5 * planeSize, 5 * rowSize);
            var local = buffer.AsSpan(5 * (planeSize + rowSize), 5 * outSize);
            rowFiltered.Clear();
            local.Clear();
            for (var i = 0; i < planeSize; i++)
            {
                double a = first[i];
                double b = second[i];
                planes[i] = a;
                planes[planeSize + i] = b;
                planes[(2 * planeSize) + i] = a * a;
                planes[(3 * planeSize) + i] = b * b;
                planes[(4 * planeSize) + i] = a * b;
            }

            for (var statistic = 0; statistic < 5; statistic++)
            {
                var plane = planes.Slice(statistic * planeSize, planeSize);
                var rows = rowFiltered.Slice(statistic * rowSize, rowSize);
                for (var y = 0; y < height; y++)
                {
                    var destination = rows.Slice(y * outWidth, outWidth);
                    for (var k = 0; k < WindowSize; k++)
                    {
                        MultiplyAdd(plane.Slice((y * width) + k, outWidth), Weights[k], destination);
                    }
                }

                var columns = local.Slice(statistic * outSize, outSize);
                for (var y = 0; y < outHeight; y++)
                {
                    var destination = columns.Slice(y * outWidth, outWidth);
                    for (var k = 0; k < WindowSize; k++)
                    {
                        MultiplyAdd(rows.Slice((y + k) * outWidth, outWidth), Weights[k], destination);
                    }
                }
            }

            double sum = 0;
            for (var i = 0; i < outSize; i++)
            {
                var (muFirst, muSecond) = (local[i], local[outSize + i]);
                var varianceFirst = local[(2 * outSize) + i] - (muFirst * muFirst);
                var varianceSecond = local[(3 * outSize) + i] - (muSecond * muSecond);
                var covariance = local[(4 * outSize) + i] - (muFirst * muSecond);
                sum += ((2 * muFirst * muSecond) + C1) * ((2 * covariance) + C2)
                    / (((muFirst * muFirst) + (muSecond * muSecond) + C1) * (varianceFirst + varianceSecond + C2));
            }

            return sum / outSize;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>destination += weight * source, element by element.</summary>
    private static void MultiplyAdd(ReadOnlySpan<double> source, double weight, Span<double> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var weights = new Vector<double>(weight);
            for (; i <= source.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(destination[i..]) + (new Vector<double>(source[i..]) * weights)).CopyTo(destination[i..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] += weight * source[i];
        }
    }

    private static double[] GaussianWeights()
    {
        var center = WindowSize / 2;
        double[] weights = [.. Enumerable.Range(0, WindowSize).Select(i => Math.Exp(-((i - center) * (i - center)) / (2 * WindowDeviation * WindowDeviation)))];
        var total = weights.Sum();
        return [.. weights.Select(weight => weight / total)];
    }
}
