using System.Globalization;
using Autoencoder.Core;

namespace Autoencoder.Training.Priors;

/// <summary>
/// Fits a <see cref="LatentPrior"/> to codes: one Gaussian (their mean and full covariance) or a mixture of K Gaussians
/// with full covariances by expectation-maximisation, started from k-means++ seeds. Every covariance gets a small ridge
/// on its diagonal (a millionth of the codes' mean variance), so that a dimension the codes never use (a dead ReLU
/// latent, a component holding a handful of codes) still gives a positive definite covariance.
/// </summary>
internal static class GaussianMixtureFit
{
    public const double RidgeShare = 1e-6;

    /// <summary>EM stops when an iteration gains less than this in mean log-likelihood per code (nats), or after <see cref="MaxIterations"/>.</summary>
    public const double Tolerance = 1e-6;

    public const int MaxIterations = 300;

    /// <summary>
    /// The prior of <paramref name="components"/> Gaussians for <paramref name="count"/> codes of <paramref name="size"/>
    /// numbers each (row-major); <paramref name="seed"/> chooses the k-means++ seeds, <paramref name="fittedTo"/> is recorded.
    /// </summary>
    public static LatentPrior Fit(float[] codes, int count, int size, int components, int seed, string fittedTo)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (count < components || codes.Length != (long)count * size)
        {
            throw new ArgumentException($"{components} component(s) need at least as many codes of {size} numbers; got {codes.Length} numbers for {count} codes", nameof(codes));
        }

        var points = Rows(codes, count, size);
        var everything = Enumerable.Repeat(1.0, count).ToArray();
        var (globalMean, globalCovariance) = WeightedMoments(points, everything, count, ridge: 0);
        var averageVariance = Enumerable.Range(0, size).Average(i => globalCovariance[i][i]);
        var ridge = averageVariance > 0 ? RidgeShare * averageVariance : RidgeShare;
        AddRidge(globalCovariance, ridge);
        if (components == 1)
        {
            return new LatentPrior
            {
                Kind = LatentPrior.GaussianKind,
                FittedTo = fittedTo,
                Components = [new PriorComponent(1, globalMean, globalCovariance)],
            };
        }

        var random = new Random(seed);
        var means = SeedMeans(points, components, random);
        var covariances = Enumerable.Range(0, components).Select(_ => Copy(globalCovariance)).ToArray();
        var weights = Enumerable.Repeat(1.0 / components, components).ToArray();
        var responsibilities = new double[components][];
        for (var k = 0; k < components; k++)
        {
            responsibilities[k] = new double[count];
        }

        var previous = double.NegativeInfinity;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            // E: each code's share in each component, from the log-densities (log-sum-exp keeps them finite).
            var logDensities = LogDensities(points, weights, means, covariances);
            var logLikelihood = 0.0;
            for (var n = 0; n < count; n++)
            {
                var total = LogSumExp(logDensities, n);
                logLikelihood += total;
                for (var k = 0; k < components; k++)
                {
                    responsibilities[k][n] = Math.Exp(logDensities[k][n] - total);
                }
            }

            logLikelihood /= count;

            // M: weights, means and covariances from the shares; a component that lost (nearly) all its codes starts
            // again at the code the mixture explains worst.
            for (var k = 0; k < components; k++)
            {
                var share = responsibilities[k].Sum();
                if (share < size + 1)
                {
                    var worst = Enumerable.Range(0, count).MinBy(n => LogSumExp(logDensities, n));
                    means[k] = [.. points[worst]];
                    covariances[k] = Copy(globalCovariance);
                    weights[k] = 1.0 / count;
                    continue;
                }

                weights[k] = share / count;
                (means[k], covariances[k]) = WeightedMoments(points, responsibilities[k], share, ridge);
            }

            var sum = weights.Sum();
            for (var k = 0; k < components; k++)
            {
                weights[k] /= sum;
            }

            if (logLikelihood - previous < Tolerance)
            {
                break;
            }

            previous = logLikelihood;
        }

        return new LatentPrior
        {
            Kind = LatentPrior.GaussianMixtureKind,
            FittedTo = fittedTo,
            Components = [.. Enumerable.Range(0, components).Select(k => new PriorComponent(weights[k], means[k], covariances[k]))],
        };
    }

    /// <summary>The mean log-likelihood per code (nats) of <paramref name="count"/> codes under <paramref name="prior"/>.</summary>
    public static double MeanLogLikelihood(LatentPrior prior, float[] codes, int count)
    {
        var density = new LatentDensity(prior);
        var size = prior.LatentSize;
        var total = 0.0;
        for (var n = 0; n < count; n++)
        {
            total += density.LogDensity(codes.AsSpan(n * size, size));
        }

        return total / count;
    }

    /// <summary>"codes of the 9,000 training images": what a prior was fitted to, for the record.</summary>
    public static string Describe(int count, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"codes (encoder means) of the {count:N0} {what}");

    /// <summary>log(weight_k) + log N(x_n | mean_k, covariance_k) for every component k and code n.</summary>
    private static double[][] LogDensities(double[][] points, double[] weights, double[][] means, double[][][] covariances)
    {
        var size = means[0].Length;
        var result = new double[means.Length][];
        var centred = new double[size];
        var solved = new double[size];
        for (var k = 0; k < means.Length; k++)
        {
            var lower = LatentPrior.Cholesky(covariances[k]) ?? throw new InvalidOperationException("a fitted covariance is not positive definite");
            var logDeterminant = 0.0;
            for (var i = 0; i < size; i++)
            {
                logDeterminant += 2 * Math.Log(lower[i, i]);
            }

            var constant = Math.Log(weights[k]) - (0.5 * ((size * Math.Log(2 * Math.PI)) + logDeterminant));
            result[k] = new double[points.Length];
            for (var n = 0; n < points.Length; n++)
            {
                var point = points[n];
                var distance = 0.0;
                for (var i = 0; i < size; i++)
                {
                    centred[i] = point[i] - means[k][i];
                }

                // Forward substitution: L y = x - mean, so that the Mahalanobis distance is |y|².
                for (var i = 0; i < size; i++)
                {
                    var value = centred[i];
                    for (var j = 0; j < i; j++)
                    {
                        value -= lower[i, j] * solved[j];
                    }

                    solved[i] = value / lower[i, i];
                    distance += solved[i] * solved[i];
                }

                result[k][n] = constant - (0.5 * distance);
            }
        }

        return result;
    }

    private static double LogSumExp(double[][] logDensities, int n)
    {
        var max = double.NegativeInfinity;
        foreach (var component in logDensities)
        {
            max = Math.Max(max, component[n]);
        }

        var sum = 0.0;
        foreach (var component in logDensities)
        {
            sum += Math.Exp(component[n] - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>k-means++: the first mean a code at random, each next one a code drawn with probability proportional to its squared distance from the nearest mean so far.</summary>
    private static double[][] SeedMeans(double[][] points, int components, Random random)
    {
        List<double[]> means = [[.. points[random.Next(points.Length)]]];
        var nearest = points.Select(point => SquaredDistance(point, means[0])).ToArray();
        while (means.Count < components)
        {
            var total = nearest.Sum();
            var chosen = random.Next(points.Length);
            if (total > 0)
            {
                var pick = random.NextDouble() * total;
                for (var n = 0; n < points.Length; n++)
                {
                    pick -= nearest[n];
                    if (pick < 0 && nearest[n] > 0)
                    {
                        chosen = n;
                        break;
                    }
                }
            }

            means.Add([.. points[chosen]]);
            for (var n = 0; n < points.Length; n++)
            {
                nearest[n] = Math.Min(nearest[n], SquaredDistance(points[n], means[^1]));
            }
        }

        return [.. means];
    }

    private static (double[] Mean, double[][] Covariance) WeightedMoments(double[][] points, double[] weights, double total, double ridge)
    {
        var size = points[0].Length;
        var mean = new double[size];
        for (var n = 0; n < points.Length; n++)
        {
            for (var i = 0; i < size; i++)
            {
                mean[i] += weights[n] * points[n][i];
            }
        }

        for (var i = 0; i < size; i++)
        {
            mean[i] /= total;
        }

        var covariance = new double[size][];
        for (var i = 0; i < size; i++)
        {
            covariance[i] = new double[size];
        }

        var centred = new double[size];
        for (var n = 0; n < points.Length; n++)
        {
            for (var i = 0; i < size; i++)
            {
                centred[i] = points[n][i] - mean[i];
            }

            for (var i = 0; i < size; i++)
            {
                var scaled = weights[n] * centred[i];
                for (var j = 0; j <= i; j++)
                {
                    covariance[i][j] += scaled * centred[j];
                }
            }
        }

        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                covariance[i][j] /= total;
                covariance[j][i] = covariance[i][j];
            }
        }

        AddRidge(covariance, ridge);
        return (mean, covariance);
    }

    private static void AddRidge(double[][] covariance, double ridge)
    {
        for (var i = 0; i < covariance.Length; i++)
        {
            covariance[i][i] += ridge;
        }
    }

    private static double[][] Copy(double[][] matrix) => [.. matrix.Select(row => row.ToArray())];

    private static double SquaredDistance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var difference = a[i] - b[i];
            sum += difference * difference;
        }

        return sum;
    }

    private static double[][] Rows(float[] codes, int count, int size)
    {
        var rows = new double[count][];
        for (var n = 0; n < count; n++)
        {
            rows[n] = new double[size];
            for (var i = 0; i < size; i++)
            {
                rows[n][i] = codes[((long)n * size) + i];
            }
        }

        return rows;
    }
}
