using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>
/// A trainable network plus the contract every exported model honours: images in [0,1] in, latents out;
/// latents in, images in [0,1] out. A recipe that trains on 0..255 pixels gets its scaling (and, for an
/// unbounded output, a clamp) baked into the contract modules, which share the network's parameters.
/// </summary>
internal sealed class AutoencoderModel : IDisposable
{
    public AutoencoderModel(AutoencoderNetwork network, float pixelScale)
    {
        if (network is VariationalAutoencoder && pixelScale != 1f)
        {
            throw new ArgumentException("a variational autoencoder's Bernoulli likelihood is over [0,1] pixels: its recipe must not rescale them", nameof(pixelScale));
        }

        Network = network;
        PixelScale = pixelScale;

        var encoder = new List<(string, nn.Module<Tensor, Tensor>)>();
        if (pixelScale != 1f)
        {
            encoder.Add(("to_recipe_scale", new Scale(pixelScale)));
        }

        encoder.Add(("network", network.Encoder));
        ContractEncoder = nn.Sequential(encoder);

        var decoder = new List<(string, nn.Module<Tensor, Tensor>)> { ("network", network.Decoder) };
        if (pixelScale != 1f)
        {
            decoder.Add(("to_unit_scale", new Scale(1f / pixelScale)));
        }

        if (network.OutputActivation != Activation.Sigmoid)
        {
            decoder.Add(("to_pixel_range", new Clamp(0f, 1f)));
        }

        ContractDecoder = nn.Sequential(decoder);
    }

    public AutoencoderNetwork Network { get; }

    /// <summary>What a [0,1] pixel is multiplied by before the network sees it (255 for the article's recipe).</summary>
    public float PixelScale { get; }

    /// <summary>[N,C,H,W] images in [0,1] to [N,latent].</summary>
    public Sequential ContractEncoder { get; }

    /// <summary>[N,latent] to [N,C,H,W] images in [0,1].</summary>
    public Sequential ContractDecoder { get; }

    /// <summary>A variational encoder's [N,latent] log-variance for [N,C,H,W] images in [0,1]; null for a plain autoencoder.</summary>
    public Tensor? ContractLogVariance(Tensor images)
    {
        if (Network is not VariationalAutoencoder variational)
        {
            return null;
        }

        var (mean, logVariance) = variational.Encoder.Distribution(images);
        mean.Dispose();
        return logVariance;
    }

    public void Dispose()
    {
        ContractEncoder.Dispose();
        ContractDecoder.Dispose();
        Network.Dispose();
    }
}
