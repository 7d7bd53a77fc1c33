using static TorchSharp.torch;

namespace Autoencoder.Training.Evaluation;

/// <summary>The mean and covariance (unbiased, n - 1) of a set of feature vectors, in double precision.</summary>
internal sealed record FeatureStatistics(int Count, double[] Mean, double[] Covariance)
{
    public int Size => Mean.Length;

    /// <summary>The statistics of <paramref name="count"/> feature vectors of <paramref name="size"/> numbers each, row-major.</summary>
    public static FeatureStatistics Of(float[] features, int count, int size)
    {
        if (count < 2 || features.Length != (long)count * size)
        {
            throw new ArgumentException($"need at least two feature vectors of {size} numbers, got {features.Length} numbers for {count}", nameof(features));
        }

        using var scope = NewDisposeScope();
        var data = tensor(features, [count, size]).to(float64);
        var mean = data.mean([0]);
        var centred = data.sub(mean);
        var covariance = centred.t().matmul(centred).div(count - 1);
        return new FeatureStatistics(count, mean.data<double>().ToArray(), covariance.data<double>().ToArray());
    }
}

/// <summary>
/// The Fréchet distance between two Gaussians, the one behind FID: |mu1 - mu2|² + Tr(S1 + S2 - 2 (S1 S2)^½). The
/// trace of (S1 S2)^½ is taken through the symmetric S1^½ S2 S1^½, which has the same eigenvalues and, unlike S1 S2,
/// a symmetric eigendecomposition (so no complex square roots of a non-symmetric matrix).
/// </summary>
internal static class FrechetDistance
{
    public static double Between(FeatureStatistics first, FeatureStatistics second)
    {
        if (first.Size != second.Size)
        {
            throw new ArgumentException($"features of {first.Size} and {second.Size} numbers cannot be compared", nameof(second));
        }

        var size = first.Size;
        using var scope = NewDisposeScope();
        var meanGap = tensor(first.Mean).sub(tensor(second.Mean)).square().sum().item<double>();
        var firstCovariance = tensor(first.Covariance, [size, size]);
        var secondCovariance = tensor(second.Covariance, [size, size]);
        var firstRoot = SymmetricSquareRoot(firstCovariance);
        var product = firstRoot.matmul(secondCovariance).matmul(firstRoot);
        product = product.add(product.t()).div(2); // symmetric up to rounding; make it exactly so for eigh
        var (values, _) = linalg.eigh(product);
        var rootTrace = values.clamp_min(0).sqrt().sum().item<double>();
        return meanGap + firstCovariance.trace().item<double>() + secondCovariance.trace().item<double>() - (2 * rootTrace);
    }

    /// <summary>The positive semi-definite square root of a covariance; eigenvalues rounded below zero count as zero.</summary>
    private static Tensor SymmetricSquareRoot(Tensor covariance)
    {
        var (values, vectors) = linalg.eigh(covariance);
        return vectors.mul(values.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.t());
    }
}
