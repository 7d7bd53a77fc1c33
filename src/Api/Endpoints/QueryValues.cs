using System.Globalization;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Inference;
using Autoencoder.Core;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// The one reader of query strings: each kind of query value is parsed here, as text (so that "abc" gets the same clear
/// message as an out-of-range number), and handed to the domain as a typed value; anything unreadable or out of range
/// is a 400 that says what is allowed.
/// </summary>
public static class QueryValues
{
    /// <summary>?preprocess=: "auto" (the default) prepares uploads as the model's model.json says, "none" takes them as they are.</summary>
    public static bool Preprocess(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "auto" => true,
        "none" => false,
        _ => throw ClientInputException.Invalid($"'preprocess' must be 'auto' or 'none', not '{ClientText.Echo(text)}'."),
    };

    /// <summary>?version=: a model version's number (a whole number from 1), or null for the model's newest served version.</summary>
    public static long? Version(string? text) =>
        text is null
            ? null
            : VersionPolicy.VersionOf(text) ?? throw ClientInputException.Invalid($"'version' must be a model version's number (a whole number from 1), not '{ClientText.Echo(text)}'.");

    /// <summary>?seed=: a whole number, or a random seed without one; the answer reports it, so it can be repeated.</summary>
    public static int Seed(string? text)
    {
        if (text is null)
        {
            return Random.Shared.Next();
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ClientInputException.Invalid($"'seed' must be a whole number from {int.MinValue} to {int.MaxValue}, not '{ClientText.Echo(text)}'.");
    }

    /// <summary>/generate's ?count=, ?seed= and ?temperature=, with defaults for what is left out.</summary>
    public static Generation Generation(string? count, string? seed, string? temperature, int maxCount)
    {
        var images = Inference.Generation.DefaultCount;
        if (count is not null
            && !(int.TryParse(count, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out images) && images >= 1 && images <= maxCount))
        {
            throw ClientInputException.Invalid($"'count' must be a whole number from 1 to {maxCount}, not '{ClientText.Echo(count)}'.");
        }

        var scale = Inference.Generation.DefaultTemperature;
        if (temperature is not null
            && !(double.TryParse(temperature, NumberStyles.Float, CultureInfo.InvariantCulture, out scale) && scale >= 0 && scale <= Inference.Generation.MaxTemperature))
        {
            throw ClientInputException.Invalid(
                $"'temperature' must be a number from 0 to {Inference.Generation.MaxTemperature}, not '{ClientText.Echo(temperature)}' (0: each component's mean; 1, the default: the prior itself).");
        }

        return new Generation(images, Seed(seed), scale);
    }

    /// <summary>/denoise's ?noise= and ?seed=: the noise to add first, or null for none; a seed without noise is a 400.</summary>
    public static AddedNoise? AddedNoise(string? noise, string? seed)
    {
        if (noise is null)
        {
            return seed is null ? null : throw ClientInputException.Invalid("'seed' seeds the noise of ?noise=; send ?noise= too (e.g. noise=gaussian:0.3&seed=7), or no seed.");
        }

        Noise parsed;
        try
        {
            parsed = Noise.Parse(noise);
        }
        catch (FormatException e)
        {
            // The parser quotes the whole value; an answer repeats only its start.
            var message = e.Message.Replace($"'{noise}'", $"'{ClientText.Echo(noise)}'", StringComparison.Ordinal);
            throw ClientInputException.Invalid($"'noise': {message} (e.g. noise=gaussian:0.3 or noise=salt-pepper:0-0.2).");
        }

        return new AddedNoise(parsed, Seed(seed));
    }

    /// <summary>/score's ?threshold=: a finite number above 0, or null for the model's default.</summary>
    public static double? Threshold(string? text) =>
        text is null
            ? null
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
                ? value
                : throw ClientInputException.Invalid($"'threshold' must be a finite number above 0, not '{ClientText.Echo(text)}'.");

    /// <summary>/interpolate's ?steps=: how many blends, <see cref="AutoencoderService.MinSteps"/> to <see cref="AutoencoderService.MaxSteps"/>, default 6.</summary>
    public static int Steps(string? text) =>
        text is null
            ? 6
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var steps) && steps is >= AutoencoderService.MinSteps and <= AutoencoderService.MaxSteps
                ? steps
                : throw ClientInputException.Invalid($"'steps' must be a whole number from {AutoencoderService.MinSteps} to {AutoencoderService.MaxSteps}.");
}
