using Autoencoder.Core;
using OpenCvSharp;

namespace Autoencoder.Training.Evaluation;

/// <summary>The denoisers a learned one is measured against, both OpenCV's: a 3x3 median filter and non-local means.</summary>
internal static class ClassicalDenoisers
{
    /// <summary>Each pixel replaced by the median of its 3x3 neighbourhood; edges are repeated outward.</summary>
    public static float[] Median3x3(float[] pixels, int height, int width)
    {
        using var source = Mat.FromPixelData(height, width, MatType.CV_32FC1, pixels);
        using var result = new Mat();
        Cv2.MedianBlur(source, result, 3);
        result.GetArray(out float[] filtered);
        return filtered;
    }

    /// <summary>
    /// OpenCV's non-local means with its recommended 7x7 patches and 21x21 search window; <paramref name="h"/> is the
    /// filter strength in 8-bit gray levels. It works on 8-bit images, so the [0,1] pixels go through bytes both ways.
    /// </summary>
    public static float[] NonLocalMeans(float[] pixels, int height, int width, float h)
    {
        using var source = Mat.FromPixelData(height, width, MatType.CV_8UC1, PixelValues.ToBytes(pixels));
        using var result = new Mat();
        Cv2.FastNlMeansDenoising(source, result, h, templateWindowSize: 7, searchWindowSize: 21);
        result.GetArray(out byte[] filtered);
        return PixelValues.ToUnit(filtered);
    }
}
