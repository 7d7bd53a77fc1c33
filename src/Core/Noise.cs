using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Core;

/// <summary>A kind of corruption of [0,1] pixels; its level means what each value says.</summary>
public enum NoiseKind
{
    /// <summary>Additive Gaussian noise; the level is its standard deviation on [0,1] pixels. Results are clipped to [0,1].</summary>
    Gaussian,

    /// <summary>The level is the fraction of pixels set to 0 or to 1, half each on average.</summary>
    SaltPepper,

    /// <summary>The level is the fraction of pixels set to 0.</summary>
    Mask,
}

/// <summary>
/// One kind of noise at one level ("gaussian:0.3") or at a level drawn anew for each image from a range
/// ("gaussian:0-0.5"), as the command line, model.json and the service's ?noise= write it.
/// </summary>
[JsonConverter(typeof(NoiseJsonConverter))]
public sealed record Noise(NoiseKind Kind, double MinLevel, double MaxLevel)
{
    private static readonly Dictionary<string, NoiseKind> ByName = new(StringComparer.Ordinal)
    {
        ["gaussian"] = NoiseKind.Gaussian,
        ["salt-pepper"] = NoiseKind.SaltPepper,
        ["mask"] = NoiseKind.Mask,
    };

    /// <summary>The kinds' names, in declaration order.</summary>
    public static IReadOnlyList<string> KindNames { get; } = [.. ByName.Keys];

    public string KindName => ByName.First(pair => pair.Value == Kind).Key;

    /// <summary>Parses "KIND:LEVEL" or "KIND:MIN-MAX"; a <see cref="FormatException"/> says what is wrong.</summary>
    public static Noise Parse(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length != 2 || !ByName.TryGetValue(parts[0].Trim().ToLowerInvariant(), out var kind))
        {
            throw new FormatException($"noise '{text}' is not KIND:LEVEL or KIND:MIN-MAX with KIND one of {string.Join(", ", KindNames)}");
        }

        // A range is two numbers joined by '-'; a number may carry an exponent's own sign (1e-2).
        var range = System.Text.RegularExpressions.Regex.Match(parts[1].Trim(), @"^(?<min>[0-9.]+(?:[eE][-+]?[0-9]+)?)(?:-(?<max>[0-9.]+(?:[eE][-+]?[0-9]+)?))?$");
        if (!range.Success
            || !double.TryParse(range.Groups["min"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var min)
            || !double.TryParse(range.Groups["max"].Success ? range.Groups["max"].Value : range.Groups["min"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var max))
        {
            throw new FormatException($"noise '{text}': the level must be a number, or a range MIN-MAX of two");
        }

        return min < 0 || max < min || max > 1 || !double.IsFinite(min) || !double.IsFinite(max)
            ? throw new FormatException($"noise '{text}': levels must satisfy 0 <= MIN <= MAX <= 1")
            : new Noise(kind, min, max);
    }

    /// <summary>Parses a comma-separated list, as <c>train --noise</c> takes it.</summary>
    public static IReadOnlyList<Noise> ParseList(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    public override string ToString() =>
        MinLevel == MaxLevel
            ? string.Create(CultureInfo.InvariantCulture, $"{KindName}:{MinLevel}")
            : string.Create(CultureInfo.InvariantCulture, $"{KindName}:{MinLevel}-{MaxLevel}");

    /// <summary>Corrupts one image's [0,1] pixels in place, at a level drawn uniformly from this noise's range.</summary>
    public void Apply(Span<float> pixels, Random random)
    {
        var level = MinLevel + (random.NextDouble() * (MaxLevel - MinLevel));
        switch (Kind)
        {
            case NoiseKind.Gaussian:
                for (var i = 0; i < pixels.Length; i++)
                {
                    pixels[i] = Math.Clamp(pixels[i] + (float)(level * SeededNormal.Next(random)), 0f, 1f);
                }

                break;
            case NoiseKind.SaltPepper:
                for (var i = 0; i < pixels.Length; i++)
                {
                    if (random.NextDouble() < level)
                    {
                        pixels[i] = random.Next(2);
                    }
                }

                break;
            default:
                for (var i = 0; i < pixels.Length; i++)
                {
                    if (random.NextDouble() < level)
                    {
                        pixels[i] = 0f;
                    }
                }

                break;
        }
    }

    /// <summary>Corrupts each image of a batch with one of <paramref name="noises"/>, chosen uniformly per image (a blind mix).</summary>
    public static void ApplyMix(IReadOnlyList<Noise> noises, Span<float> images, int pixelsPerImage, Random random)
    {
        for (var start = 0; start + pixelsPerImage <= images.Length; start += pixelsPerImage)
        {
            noises[noises.Count == 1 ? 0 : random.Next(noises.Count)].Apply(images.Slice(start, pixelsPerImage), random);
        }
    }
}

/// <summary>Reads and writes a <see cref="Noise"/> as its text, "gaussian:0-0.5".</summary>
public sealed class NoiseJsonConverter : JsonConverter<Noise>
{
    public override Noise Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return Noise.Parse(reader.GetString() ?? string.Empty);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, Noise value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
