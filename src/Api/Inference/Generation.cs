using Autoencoder.Api.Errors;
using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>
/// What POST /generate asks for: how many codes to draw from the model's latent prior, the seed of the draws and the
/// temperature that scales their spread (0: each component's mean; 1: the prior itself).
/// </summary>
/// <param name="Count">How many images, 1 to the bulk limit.</param>
/// <param name="Seed">Seeds the draws; the answer reports it, so a random one can be repeated.</param>
/// <param name="Temperature">Scales each draw's distance from its component's mean, 0 to <see cref="MaxTemperature"/>.</param>
public sealed record Generation(int Count, int Seed, double Temperature)
{
    public const int DefaultCount = 16;

    public const double DefaultTemperature = 1;

    /// <summary>
    /// Beyond a few times the prior's spread the decoder only sees codes it never met in training; the cap keeps codes
    /// far inside float range, so a huge temperature is a 400 that says so, not an overflow.
    /// </summary>
    public const double MaxTemperature = 10;

    /// <summary>The model's sampler, or a 409 saying the model has no latent prior and how to give it one.</summary>
    public static LatentSampler SamplerOf(OnnxAutoencoder model) =>
        model.Sampler ?? throw ClientInputException.ModelLacks(
            $"Model '{model.Name}' has no latent prior to sample from (its model.json has no 'prior'). Fit one to the codes of its training images "
            + "with 'autoencoder-train fit-prior --model DIR --data DIR', or name a model that has one (GET /models shows each model's prior).");
}
