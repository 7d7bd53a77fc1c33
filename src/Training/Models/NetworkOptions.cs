using Autoencoder.Core;
using Autoencoder.Training.Recipes;

namespace Autoencoder.Training.Models;

/// <summary>The network layouts the trainer can build.</summary>
internal enum ArchitectureKind
{
    /// <summary>The article's fully connected autoencoder.</summary>
    Fc,

    /// <summary>The follow-up's convolutional autoencoder.</summary>
    Conv,

    /// <summary>The convolutional layout as a variational autoencoder: a mean and a log-variance, the same decoder.</summary>
    Vae,
}

/// <summary>Which network to build and its sizes; the recipe supplies the activations.</summary>
internal sealed record NetworkOptions
{
    public const int DefaultHidden = 100;
    public const int DefaultLatent = 20;

    public ArchitectureKind Kind { get; init; } = ArchitectureKind.Fc;

    /// <summary>fc: width of the hidden layer.</summary>
    public int Hidden { get; init; } = DefaultHidden;

    public int Latent { get; init; } = DefaultLatent;

    /// <summary>conv and vae: output channels of each stage.</summary>
    public IReadOnlyList<int> Channels { get; init; } = [32, 64];

    /// <summary>conv and vae: 3x3 convolutions a stage, the last strided.</summary>
    public int ConvolutionsPerStage { get; init; } = 2;

    /// <summary>
    /// Why this layout cannot take images of <paramref name="height"/> x <paramref name="width"/>, or null when it can:
    /// conv and vae halve both at every stage of <see cref="Channels"/>, exactly, so each must divide by 2^stages.
    /// </summary>
    public string? SizeProblem(int height, int width)
    {
        if (Kind == ArchitectureKind.Fc || Channels.Count == 0)
        {
            return null;
        }

        var divisor = 1L << Math.Min(Channels.Count, 62);
        return height % divisor == 0 && width % divisor == 0
            ? null
            : $"--arch {Kind.ToString().ToLowerInvariant()} halves height and width at each of its {Channels.Count} stage(s) (--channels {string.Join(',', Channels)}), so both must be divisible by {divisor}";
    }

    /// <summary>The one place a network is constructed: everything downstream sees only <see cref="AutoencoderNetwork"/>.</summary>
    public AutoencoderNetwork Create(Recipe recipe, ImageShape image) => Kind switch
    {
        ArchitectureKind.Fc => new FullyConnectedAutoencoder(new FullyConnectedShape(
            image, Hidden, Latent, recipe.HiddenActivation, recipe.LatentActivation, recipe.OutputActivation)),
        ArchitectureKind.Conv => new ConvolutionalAutoencoder(new ConvolutionalShape(
            image, Channels, ConvolutionsPerStage, Latent, recipe.HiddenActivation, recipe.LatentActivation, recipe.OutputActivation)),
        ArchitectureKind.Vae => new VariationalAutoencoder(new ConvolutionalShape(
            image, Channels, ConvolutionsPerStage, Latent, recipe.HiddenActivation, Activation.None, recipe.OutputActivation)),
        _ => throw new InvalidOperationException($"unknown architecture {Kind}"),
    };
}
