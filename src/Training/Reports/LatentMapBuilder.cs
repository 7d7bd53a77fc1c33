using Autoencoder.Core;
using Autoencoder.Training.Data;
using SkiaSharp;

namespace Autoencoder.Training.Reports;

/// <summary>The mean and the two principal components of a set of latent vectors.</summary>
internal sealed record PrincipalPlane(float[] Mean, float[][] Components, double[] ExplainedVariance)
{
    public (float X, float Y) Project(ReadOnlySpan<float> latent)
    {
        double x = 0, y = 0;
        for (var i = 0; i < Mean.Length; i++)
        {
            var centred = (double)latent[i] - Mean[i];
            x += centred * Components[0][i];
            y += centred * Components[1][i];
        }

        return ((float)x, (float)y);
    }
}

/// <summary>
/// Builds a model's <see cref="LatentMap"/>: PCA of encoded test images down to two dimensions, so that a point
/// (x, y) maps back to the latent <c>mean + x * c1 + y * c2</c>.
/// </summary>
internal static class LatentMapBuilder
{
    public const int MaxExamples = 16;

    /// <summary>
    /// The plane through the latents' mean spanned by the two directions of largest variance, by power iteration on the
    /// covariance matrix with deflation (latents are short, so the matrix is tiny).
    /// </summary>
    public static PrincipalPlane Fit(ReadOnlySpan<float> latents, int count, int size)
    {
        if (count < 3 || latents.Length != count * size)
        {
            throw new ArgumentException($"need at least 3 latents of {size} numbers, got {latents.Length} numbers for {count}", nameof(latents));
        }

        var mean = new double[size];
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < size; i++)
            {
                mean[i] += latents[(n * size) + i];
            }
        }

        for (var i = 0; i < size; i++)
        {
            mean[i] /= count;
        }

        var covariance = new double[size, size];
        var centred = new double[size];
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < size; i++)
            {
                centred[i] = latents[(n * size) + i] - mean[i];
            }

            for (var i = 0; i < size; i++)
            {
                for (var j = i; j < size; j++)
                {
                    covariance[i, j] += centred[i] * centred[j];
                }
            }
        }

        var total = 0.0;
        for (var i = 0; i < size; i++)
        {
            for (var j = i; j < size; j++)
            {
                covariance[i, j] /= count - 1;
                covariance[j, i] = covariance[i, j];
            }

            total += covariance[i, i];
        }

        var (first, firstVariance) = LargestEigenvector(covariance);
        Deflate(covariance, first, firstVariance);
        var (second, secondVariance) = LargestEigenvector(covariance);
        return new PrincipalPlane(
            [.. mean.Select(value => (float)value)],
            [[.. first.Select(value => (float)value)], [.. second.Select(value => (float)value)]],
            [total > 0 ? firstVariance / total : 0, total > 0 ? secondVariance / total : 0]);
    }

    /// <summary>The map of <paramref name="count"/> encoded images: fitted on all of them, keeping the first <paramref name="maxPoints"/> as points.</summary>
    public static LatentMap Build(string dataset, float[] latents, int count, int size, IdxImages images, byte[] labels, int maxPoints)
    {
        var plane = Fit(latents, count, size);
        var points = new LatentMapPoint[Math.Min(maxPoints, count)];
        for (var n = 0; n < points.Length; n++)
        {
            var (x, y) = plane.Project(latents.AsSpan(n * size, size));
            points[n] = new LatentMapPoint(x, y, labels[n]);
        }

        var examples = labels
            .Select((label, index) => (Label: (int)label, Index: index))
            .DistinctBy(item => item.Label)
            .OrderBy(item => item.Label)
            .Take(MaxExamples)
            .Select(item => new LatentMapExample(item.Label, Convert.ToBase64String(GrayPng(images.Image(item.Index), images.Columns, images.Rows))))
            .ToArray();

        return new LatentMap
        {
            Dataset = dataset,
            FittedImages = count,
            Mean = plane.Mean,
            Components = plane.Components,
            ExplainedVariance = plane.ExplainedVariance,
            Points = points,
            Examples = examples,
        };
    }

    private static (double[] Vector, double Value) LargestEigenvector(double[,] matrix)
    {
        var size = matrix.GetLength(0);

        // Any start with a part along the answer converges; uneven entries make an exactly orthogonal start unlikely.
        var vector = Enumerable.Range(0, size).Select(i => 1.0 + (i / (double)size)).ToArray();
        Normalise(vector);
        var next = new double[size];
        for (var iteration = 0; iteration < 100_000; iteration++)
        {
            for (var i = 0; i < size; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < size; j++)
                {
                    sum += matrix[i, j] * vector[j];
                }

                next[i] = sum;
            }

            if (Normalise(next) == 0)
            {
                return (vector, 0);
            }

            var change = 0.0;
            for (var i = 0; i < size; i++)
            {
                change = Math.Max(change, Math.Abs(next[i] - vector[i]));
            }

            (vector, next) = (next, vector);
            if (change < 1e-12)
            {
                break;
            }
        }

        // A component's sign is arbitrary; fix it so that maps of the same latents always look the same.
        var largest = vector.MaxBy(Math.Abs);
        if (largest < 0)
        {
            for (var i = 0; i < size; i++)
            {
                vector[i] = -vector[i];
            }
        }

        var value = 0.0;
        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j < size; j++)
            {
                value += vector[i] * matrix[i, j] * vector[j];
            }
        }

        return (vector, value);
    }

    private static void Deflate(double[,] matrix, double[] vector, double value)
    {
        for (var i = 0; i < vector.Length; i++)
        {
            for (var j = 0; j < vector.Length; j++)
            {
                matrix[i, j] -= value * vector[i] * vector[j];
            }
        }
    }

    private static double Normalise(double[] vector)
    {
        var length = Math.Sqrt(vector.Sum(value => value * value));
        if (length > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= length;
            }
        }

        return length;
    }

    private static byte[] GrayPng(ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        pixels.CopyTo(bitmap.GetPixelSpan());
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
