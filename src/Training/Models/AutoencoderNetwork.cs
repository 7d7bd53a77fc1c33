using Autoencoder.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>
/// What the trainer, the exporter and model.json need of a network, whatever its layout: an encoder and a
/// decoder made of exportable layers, the image and latent sizes, and a description of itself.
/// </summary>
internal abstract class AutoencoderNetwork(string name) : nn.Module<Tensor, Tensor>(name)
{
    public abstract ImageShape Image { get; }

    public abstract int Latent { get; }

    /// <summary>The decoder's last non-linearity; a bounded one (sigmoid) needs no clamp in the exported contract.</summary>
    public abstract Activation OutputActivation { get; }

    /// <summary>[N,C,H,W] images (in the recipe's pixel scale) to [N,latent] (a variational encoder's mean).</summary>
    public abstract nn.Module<Tensor, Tensor> Encoder { get; }

    /// <summary>[N,latent] to [N,C,H,W] images (in the recipe's pixel scale).</summary>
    public abstract Sequential Decoder { get; }

    /// <summary>The network's kind, layers and activations, as model.json records them.</summary>
    public abstract ArchitectureInfo Describe();

    /// <summary>One line for people: "fc 784-100-20", "conv 28x28 -> 32 -> 64 -> 20".</summary>
    public abstract string Summary { get; }

    public long ParameterCount => parameters().Sum(parameter => parameter.numel());

    public override Tensor forward(Tensor input)
    {
        using var latent = Encoder.forward(input);
        return Decoder.forward(latent);
    }

    protected static Sequential Layers(params (string Name, nn.Module<Tensor, Tensor>? Module)[] layers) =>
        nn.Sequential(layers.Where(layer => layer.Module is not null).Select(layer => (layer.Name, layer.Module!)));
}
