using Autoencoder.Core;

namespace Autoencoder.Training.Tests.Core;

/// <summary>Priors whose densities and draws the tests can reason about.</summary>
internal static class TestPriors
{
    /// <summary>Two 2-D Gaussians, one correlated and one stretched, weighted 1:3.</summary>
    public static readonly LatentPrior TwoBlobs = new()
    {
        Kind = LatentPrior.GaussianMixtureKind,
        Components =
        [
            new PriorComponent(0.25, [-4, 0], [[1, 0.5], [0.5, 1]]),
            new PriorComponent(0.75, [4, 2], [[0.25, 0], [0, 4]]),
        ],
    };
}
