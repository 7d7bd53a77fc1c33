using System.Globalization;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Inference;

/// <summary>
/// The seeds of what the service draws at random (added noise, generated codes): the client's ?seed=, or one picked at
/// random; either way the answer reports it, so the same request with that seed gives the same bytes.
/// </summary>
public static class Seeds
{
    /// <summary><paramref name="seed"/> as a whole number, or a random seed without one; anything else is a 400.</summary>
    public static int FromQuery(string? seed)
    {
        if (seed is null)
        {
            return Random.Shared.Next();
        }

        return int.TryParse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ClientInputException.Invalid($"'seed' must be a whole number from {int.MinValue} to {int.MaxValue}, not '{seed}'.");
    }
}
