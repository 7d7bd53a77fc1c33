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
internal sealed class FullyConnectedAutoencoder : nn.Module<Tensor, Tensor>
{
    // Field names are the checkpoint keys.
    private readonly Sequential encoder;
    private readonly Sequential decoder;

    public FullyConnectedAutoencoder(FullyConnectedShape shape)
        : base("fc")
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

    public Sequential Encoder => encoder;

    public Sequential Decoder => decoder;

    public override Tensor forward(Tensor input)
    {
        using var latent = encoder.forward(input);
        return decoder.forward(latent);
    }

    private static Sequential Layers(params (string Name, nn.Module<Tensor, Tensor>? Module)[] layers) =>
        nn.Sequential(layers.Where(layer => layer.Module is not null).Select(layer => (layer.Name, layer.Module!)));
}
