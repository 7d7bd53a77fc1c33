namespace Autoencoder.Core;

/// <summary>
/// The log-density of codes under a <see cref="LatentPrior"/>: how far a code lies from where the training images'
/// codes lie. Each covariance is factored once (the Cholesky factor <see cref="LatentSampler"/> draws with), so a code
/// costs one triangular solve per component.
/// </summary>
public sealed class LatentDensity
{
    private readonly IReadOnlyList<PriorComponent> components;
    private readonly double[][,] lowerFactors;
    private readonly double[] constants;

    /// <summary>Checks the prior (an <see cref="ArgumentException"/> says what is wrong) and factors each covariance once.</summary>
    public LatentDensity(LatentPrior prior)
    {
        lowerFactors = LatentPrior.CheckedFactors(prior);
        components = prior.Components;
        LatentSize = prior.LatentSize;
        var total = components.Sum(component => component.Weight);
        constants = new double[components.Count];
        for (var k = 0; k < components.Count; k++)
        {
            var logDeterminant = 0.0;
            for (var i = 0; i < LatentSize; i++)
            {
                logDeterminant += 2 * Math.Log(lowerFactors[k][i, i]);
            }

            constants[k] = Math.Log(components[k].Weight / total) - (0.5 * ((LatentSize * Math.Log(2 * Math.PI)) + logDeterminant));
        }
    }

    public int LatentSize { get; }

    /// <summary>log p(<paramref name="code"/>) in nats: the log of the weighted sum of the components' densities.</summary>
    public double LogDensity(ReadOnlySpan<float> code)
    {
        if (code.Length != LatentSize)
        {
            throw new ArgumentException($"a code of {code.Length} numbers, not the prior's {LatentSize}", nameof(code));
        }

        Span<double> solved = LatentSize <= 256 ? stackalloc double[LatentSize] : new double[LatentSize];
        Span<double> logTerms = components.Count <= 256 ? stackalloc double[components.Count] : new double[components.Count];
        var max = double.NegativeInfinity;
        for (var k = 0; k < components.Count; k++)
        {
            var lower = lowerFactors[k];
            var mean = components[k].Mean;
            var distance = 0.0;

            // Forward substitution: L y = x - mean, so that the Mahalanobis distance is |y|².
            for (var i = 0; i < LatentSize; i++)
            {
                var value = code[i] - mean[i];
                for (var j = 0; j < i; j++)
                {
                    value -= lower[i, j] * solved[j];
                }

                solved[i] = value / lower[i, i];
                distance += solved[i] * solved[i];
            }

            logTerms[k] = constants[k] - (0.5 * distance);
            max = Math.Max(max, logTerms[k]);
        }

        var sum = 0.0;
        foreach (var term in logTerms)
        {
            sum += Math.Exp(term - max);
        }

        return max + Math.Log(sum);
    }
}
