using static TorchSharp.torch;

namespace Autoencoder.Training.Evaluation;

/// <summary>
/// PCA, the linear baseline for a learned code: the mean image and the leading eigenvectors of the pixels'
/// covariance, fitted on training images. Reconstructions are clamped to [0,1], as every image decoder's are.
/// </summary>
internal sealed class PrincipalComponents
{
    private readonly float[] mean;
    private readonly float[] components; // [Count, pixels] row-major, largest variance first

    private PrincipalComponents(float[] mean, float[] components, int count, double[] explainedVariance)
    {
        this.mean = mean;
        this.components = components;
        Count = count;
        ExplainedVariance = explainedVariance;
    }

    public int Count { get; }

    public ReadOnlySpan<float> Mean => mean;

    /// <summary>Each component's share of the total variance, largest first.</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>The <paramref name="index"/>-th direction of largest variance (0 the largest), a unit vector.</summary>
    public ReadOnlySpan<float> Component(int index) => components.AsSpan(index * mean.Length, mean.Length);

    public static PrincipalComponents Fit(float[] images, int imageCount, int pixelsPerImage, int count)
    {
        if (count < 1 || count > pixelsPerImage || imageCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot fit {count} components to {imageCount} images of {pixelsPerImage} pixels");
        }

        using var scope = NewDisposeScope();
        var data = tensor(images, [imageCount, pixelsPerImage]).to(float64);
        var average = data.mean([0]);
        var centred = data.sub(average);
        var covariance = centred.t().matmul(centred).div(imageCount - 1);
        var (values, vectors) = linalg.eigh(covariance); // eigenvalues ascending, eigenvectors in columns
        var leading = vectors.narrow(1, pixelsPerImage - count, count).flip(1).t().contiguous();
        var total = covariance.trace().item<double>();
        var leadingValues = values.narrow(0, pixelsPerImage - count, count).flip(0).data<double>().ToArray();
        return new PrincipalComponents(
            average.to(float32).data<float>().ToArray(),
            leading.to(float32).data<float>().ToArray(),
            count,
            [.. leadingValues.Select(value => total > 0 ? value / total : 0)]);
    }

    /// <summary>Coefficients, [imageCount, Count] row-major.</summary>
    public float[] Encode(float[] images, int imageCount)
    {
        using var scope = NewDisposeScope();
        var data = tensor(images, [imageCount, mean.Length]).sub(tensor(mean));
        return data.matmul(Components().t()).data<float>().ToArray();
    }

    /// <summary>Images from coefficients, [imageCount, pixels] row-major, clamped to [0,1].</summary>
    public float[] Decode(float[] coefficients, int imageCount)
    {
        using var scope = NewDisposeScope();
        var images = tensor(coefficients, [imageCount, Count]).matmul(Components()).add(tensor(mean)).clamp(0f, 1f);
        return images.data<float>().ToArray();
    }

    private Tensor Components() => tensor(components, [Count, mean.Length]);
}
