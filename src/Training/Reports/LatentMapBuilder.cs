using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
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

    /// <summary>The plane through the latents' mean spanned by the two directions of largest variance.</summary>
    public static PrincipalPlane Fit(ReadOnlySpan<float> latents, int count, int size)
    {
        if (count < 3 || size < 2 || latents.Length != count * size)
        {
            throw new ArgumentException($"need at least 3 latents of 2 or more numbers, got {latents.Length} numbers for {count} latents of {size}", nameof(latents));
        }

        var pca = PrincipalComponents.Fit(latents.ToArray(), imageCount: count, pixelsPerImage: size, count: 2);
        return new PrincipalPlane(pca.Mean.ToArray(), [WithFixedSign(pca.Component(0)), WithFixedSign(pca.Component(1))], [.. pca.ExplainedVariance]);
    }

    /// <summary>The map of <paramref name="count"/> encoded images: fitted on all of them, keeping the first <paramref name="maxPoints"/> as points.</summary>
    public static LatentMap Build(string dataset, float[] latents, int count, int size, ImageStack images, byte[] labels, int maxPoints)
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
            .Select(item => new LatentMapExample(item.Label, Convert.ToBase64String(ExamplePng(images, item.Index))))
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

    /// <summary>A component's sign is arbitrary; its largest entry is made positive so that maps of the same latents always look the same.</summary>
    private static float[] WithFixedSign(ReadOnlySpan<float> component)
    {
        var vector = component.ToArray();
        return vector.MaxBy(Math.Abs) < 0 ? [.. vector.Select(value => -value)] : vector;
    }

    /// <summary>Image <paramref name="index"/> as an 8-bit PNG: gray (colour type 0), or RGB (colour type 2) for colour.</summary>
    private static byte[] ExamplePng(ImageStack images, int index)
    {
        var (width, height) = (images.Columns, images.Rows);
        var pixels = images.Image(index);
        if (images.Channels == 1)
        {
            return GrayPng(pixels, width, height);
        }

        using var image = RgbPlanes.ToImage(pixels, width, height);
        using var png = new MemoryStream();
        image.SaveAsPng(png, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }

    private static byte[] GrayPng(ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        pixels.CopyTo(bitmap.GetPixelSpan());
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
