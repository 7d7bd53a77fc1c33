using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Models;
using Autoencoder.Training.Novelty;
using Autoencoder.Training.Recipes;

namespace Autoencoder.Training.Fitting;

/// <summary>One training run, as the command line describes it.</summary>
internal sealed record TrainingOptions
{
    public const double DefaultValidationFraction = 0.1;

    /// <summary>See <see cref="KlWarmupEpochs"/>; docs/training.md says how it was chosen.</summary>
    public const int DefaultKlWarmupEpochs = 5;

    public required string DataDirectory { get; init; }

    public required string OutputDirectory { get; init; }

    public required Recipe Recipe { get; init; }

    public NetworkOptions Network { get; init; } = new();

    public string? Name { get; init; }

    public int? Epochs { get; init; }

    public int? BatchSize { get; init; }

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Train on only the first N training images (and test on the first N test images); for quick runs.</summary>
    public int? Limit { get; init; }

    /// <summary>Share of the training images held out to choose the best epoch and to place reconstruction errors.</summary>
    public double ValidationFraction { get; init; } = DefaultValidationFraction;

    /// <summary>Null: what the data set suggests (<see cref="DatasetConventions"/>).</summary>
    public Augmentation? Augmentation { get; init; }

    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>Null for a plain autoencoder; else a denoiser, each training image corrupted by one of these (see <see cref="Corruption"/>).</summary>
    public IReadOnlyList<Noise>? Noise { get; init; }

    /// <summary>
    /// A variational autoencoder's KL warm-up: the KL term's weight in the training loss rises linearly from 0 to 1, batch
    /// by batch, over the first this many epochs (0: full weight from the start). Validation and test always use weight 1.
    /// </summary>
    public int KlWarmupEpochs { get; init; } = DefaultKlWarmupEpochs;

    /// <summary>A plain autoencoder's prior: Gaussians fitted to its training images' codes (1: a single Gaussian).</summary>
    public int PriorComponents { get; init; } = 1;

    /// <summary>The novelty terms the model's scorer adds up, with their weights (null: the default, see NoveltyCalibration.DefaultTerms).</summary>
    public IReadOnlyList<CountedTerm>? NoveltyTerms { get; init; }

    public int EffectiveEpochs => Epochs ?? Recipe.Epochs;

    public int EffectiveBatchSize => BatchSize ?? Recipe.BatchSize;
}

internal enum DeviceChoice
{
    Auto,
    Cpu,
    Cuda,
}
