using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Core;

/// <summary>
/// A model's latent space seen from above: test images' latents projected onto their two principal components,
/// written by the trainer as latent-map.json beside model.json (optional; a model without it has no map). A point
/// (x, y) of the map stands for the latent <c>Mean + x * Components[0] + y * Components[1]</c>.
/// </summary>
public sealed record LatentMap
{
    public const string FileName = "latent-map.json";

    /// <summary>The images the points come from, e.g. "mnist t10k".</summary>
    public required string Dataset { get; init; }

    /// <summary>How many images the projection was fitted on (all that were encoded, not only the points kept).</summary>
    public required int FittedImages { get; init; }

    /// <summary>The mean latent, latentSize numbers.</summary>
    public required float[] Mean { get; init; }

    /// <summary>The two principal components, each latentSize numbers of unit length, the first the larger.</summary>
    public required float[][] Components { get; init; }

    /// <summary>The share of the latents' total variance along each component, in [0,1].</summary>
    public required double[] ExplainedVariance { get; init; }

    /// <summary>Projected test images with their labels.</summary>
    public required LatentMapPoint[] Points { get; init; }

    /// <summary>A few test images (the first of each label), to start from.</summary>
    public required LatentMapExample[] Examples { get; init; }

    /// <summary>Compact: a few thousand points written one per line would be most of the file.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static LatentMap Load(string path) => FromJson(File.ReadAllText(path));

    public static LatentMap FromJson(string json) =>
        JsonSerializer.Deserialize<LatentMap>(json, JsonOptions)
        ?? throw new JsonException($"{FileName} is empty");

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Why the map cannot belong to a model with latents of <paramref name="latentSize"/> numbers, or null if it can.</summary>
    public string? Mismatch(int latentSize) =>
        Mean.Length != latentSize ? $"its mean has {Mean.Length} numbers, but the model's latents have {latentSize}"
        : Components is not [var first, var second] ? $"it has {Components.Length} components, not 2"
        : first.Length != latentSize || second.Length != latentSize ? $"its components do not have {latentSize} numbers each"
        : ExplainedVariance.Length != 2 ? "it must give the explained variance of its 2 components"
        : null;
}

/// <summary>One test image on the map.</summary>
/// <param name="X">Coordinate along the first component.</param>
/// <param name="Y">Coordinate along the second component.</param>
/// <param name="Label">The image's label in its data set.</param>
public sealed record LatentMapPoint(float X, float Y, int Label);

/// <summary>A test image to start from.</summary>
/// <param name="Label">The image's label in its data set.</param>
/// <param name="Image">The image as a base64-encoded 8-bit grayscale PNG, as the data set holds it.</param>
public sealed record LatentMapExample(int Label, string Image);
