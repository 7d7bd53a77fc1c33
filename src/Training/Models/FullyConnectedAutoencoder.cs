using Autoencoder.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>Sizes and non-linearities of the article's fully connected autoencoder and its relatives.</summary>
internal sealed record FullyConnectedShape(
    ImageShape Image,
    int Hidden,
    int Latent,
    Activation HiddenActivation,
    Activation LatentActivation,
    Activation OutputActivation);

/// <summary>
/// image -> Flatten -> Linear(pixels, hidden) -> act -> Linear(hidden, latent) [-> act] = latent;
/// latent -> Linear(latent, hidden) -> act -> Linear(hidden, pixels) -> act -> Unflatten = image.
/// Works in the recipe's own pixel scale; <see cref="AutoencoderModel"/> adds the contract around it.
/// </summary>
internal sealed class FullyConnectedAutoencoder : AutoencoderNetwork
{
    public const string Kind = "fc";

    // Field names are the checkpoint keys.
    private readonly Sequential encoder;
    private readonly Sequential decoder;

    public FullyConnectedAutoencoder(FullyConnectedShape shape)
        : base(Kind)
    {
        Shape = shape;
        var pixels = shape.Image.PixelCount;
        encoder = Layers(
            ("flatten", nn.Flatten()),
            ("hidden", nn.Linear(pixels, shape.Hidden)),
            ("hidden_activation", ActivationModules.Create(shape.HiddenActivation)),
            ("latent", nn.Linear(shape.Hidden, shape.Latent)),
            ("latent_activation", ActivationModules.Create(shape.LatentActivation)));
        decoder = Layers(
            ("hidden", nn.Linear(shape.Latent, shape.Hidden)),
            ("hidden_activation", ActivationModules.Create(shape.HiddenActivation)),
            ("output", nn.Linear(shape.Hidden, pixels)),
            ("output_activation", ActivationModules.Create(shape.OutputActivation)),
            ("unflatten", nn.Unflatten(1, [shape.Image.Channels, shape.Image.Height, shape.Image.Width])));
        RegisterComponents();
    }

    public FullyConnectedShape Shape { get; }

    public override ImageShape Image => Shape.Image;

    public override int Latent => Shape.Latent;

    public override Activation OutputActivation => Shape.OutputActivation;

    public override Sequential Encoder => encoder;

    public override Sequential Decoder => decoder;

    public override string Summary => $"{Kind} {Shape.Image.PixelCount}-{Shape.Hidden}-{Shape.Latent}";

    public override ArchitectureInfo Describe() => new()
    {
        Kind = Kind,
        EncoderLayerSizes = [Shape.Image.PixelCount, Shape.Hidden, Shape.Latent],
        HiddenActivation = ActivationModules.Name(Shape.HiddenActivation),
        LatentActivation = ActivationModules.Name(Shape.LatentActivation),
        OutputActivation = ActivationModules.Name(Shape.OutputActivation),
        Parameters = ParameterCount,
    };
}
