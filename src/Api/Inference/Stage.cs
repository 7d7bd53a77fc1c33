using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Inference;

/// <summary>Which half of an autoencoder: the encoder takes images to latents, the decoder latents to images.</summary>
public enum Stage
{
    Encoder,
    Decoder,
}

/// <summary>
/// The names a model's stages are served under beside the image routes: "{name}-encoder" and "{name}-decoder", the
/// models the Open Inference Protocol serves and its statistics count.
/// </summary>
public static class StageNames
{
    public static string Of(string model, Stage stage) => model + Suffix(stage);

    /// <summary>The served model and stage <paramref name="name"/> names, or a 404 naming every stage served.</summary>
    public static (ServedModel Model, Stage Stage) Find(ModelRegistry registry, string name)
    {
        foreach (var stage in Enum.GetValues<Stage>())
        {
            var suffix = Suffix(stage);
            if (name.Length > suffix.Length
                && name.EndsWith(suffix, StringComparison.Ordinal)
                && registry.TryGetServed(name[..^suffix.Length], out var served))
            {
                return (served, stage);
            }
        }

        var known = registry.All.SelectMany(model => Enum.GetValues<Stage>().Select(stage => Of(model.Name, stage))).Order(StringComparer.Ordinal);
        throw ClientInputException.ModelNotFound(name, known);
    }

    /// <summary>
    /// The version of <paramref name="served"/> that <paramref name="version"/> (as the protocol writes versions) names,
    /// or without one its newest; a 404 naming the versions served if there is no such version.
    /// </summary>
    public static OnnxAutoencoder Version(ServedModel served, string name, string? version)
    {
        long? number = version is null ? null : VersionPolicy.VersionOf(version) ?? 0;
        return served.Versions.TryGetValue(number ?? served.DefaultVersion, out var model)
            ? model
            : throw ClientInputException.NotFound(
                $"Model '{ClientText.Echo(name)}' has no version '{ClientText.Echo(version ?? "")}'; it has {(served.Versions.Count == 1 ? "version" : "versions")} {string.Join(", ", served.Versions.Keys.Order())}.");
    }

    private static string Suffix(Stage stage) => stage == Stage.Encoder ? "-encoder" : "-decoder";
}
