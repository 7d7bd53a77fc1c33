using Autoencoder.Training.Recipes;

namespace Autoencoder.Training.Training;

/// <summary>One training run, as the command line describes it.</summary>
internal sealed record TrainingOptions
{
    public required string DataDirectory { get; init; }

    public required string OutputDirectory { get; init; }

    public required Recipe Recipe { get; init; }

    public string? Name { get; init; }

    public int Hidden { get; init; } = Recipe.DefaultHidden;

    public int Latent { get; init; } = Recipe.DefaultLatent;

    public int? Epochs { get; init; }

    public int? BatchSize { get; init; }

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Train on only the first N training images (and validate on the first N test images); for quick runs.</summary>
    public int? Limit { get; init; }

    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    public int EffectiveEpochs => Epochs ?? Recipe.Epochs;

    public int EffectiveBatchSize => BatchSize ?? Recipe.BatchSize;
}

internal enum DeviceChoice
{
    Auto,
    Cpu,
    Cuda,
}
