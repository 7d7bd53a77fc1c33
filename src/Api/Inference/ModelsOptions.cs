using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.Inference;

/// <summary>How the models being served may change while the service runs (Models:Control).</summary>
public enum ModelControl
{
    /// <summary>Every model in the folder is loaded at start; a broken one stops the start. Nothing changes after.</summary>
    None,

    /// <summary>The folder is watched: new versions are loaded, changed ones reloaded, removed ones unloaded.</summary>
    Poll,

    /// <summary>What the folder holds at start (or the models Models:Load names); then only the repository calls change it.</summary>
    Explicit,
}

/// <summary>Where the models are and how they change. Bound from the "Models" configuration section and checked at start.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    /// <summary>
    /// A folder of model folders, each holding encoder.onnx, decoder.onnx and model.json as the trainer writes them,
    /// or numbered version folders that do. A relative path is taken from the application's content root.
    /// </summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>The model used when a request names none; without it, "mnist" if present, else the first by name.</summary>
    public string? Default { get; set; }

    /// <summary>none (load at start, as always), poll (watch the folder) or explicit (the repository calls).</summary>
    public ModelControl Control { get; set; } = ModelControl.None;

    /// <summary>The key the repository calls must present (Authorization: Bearer KEY); without one they are refused.</summary>
    public string? ControlKey { get; set; }

    /// <summary>In explicit control, the models loaded at start; without it, every model in the folder.</summary>
    public IList<string>? Load { get; set; }

    /// <summary>Models that must be served for the service to be ready (the default model always must).</summary>
    public IList<string> Required { get; set; } = [];

    /// <summary>In poll control, how often the folder is looked at.</summary>
    [Range(0.05, 3600)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>How long a version's files must stay unchanged before they are loaded: a copy still running is not.</summary>
    [Range(0, 600)]
    public double SettleSeconds { get; set; } = 1;
}
