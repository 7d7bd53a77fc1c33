using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.Inference;

/// <summary>Where the models are. Bound from the "Models" configuration section and checked at start.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    /// <summary>
    /// A folder of model folders, each holding encoder.onnx, decoder.onnx and model.json as the trainer writes them.
    /// A relative path is taken from the application's content root.
    /// </summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>The model used when a request names none; without it, "mnist" if present, else the first by name.</summary>
    public string? Default { get; set; }
}
