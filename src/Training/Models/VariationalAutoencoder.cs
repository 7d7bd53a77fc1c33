using Autoencoder.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>
/// A variational encoder: the convolutional trunk, then two linear heads on the same features, the mean and the
/// log-variance of a diagonal Gaussian q(z|x). Its forward is the mean, so that everything that takes an encoder's
/// latent (reconstruction, latent maps, interpolation, the exported contract's "latent") takes the mean.
/// </summary>
internal sealed class GaussianEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The exported encoder's second output, beside the contract's latent (the mean).</summary>
    public const string LogVarianceOutput = "logVariance";

    // Field names are the checkpoint keys.
    private readonly Sequential trunk;
    private readonly Linear mean;
    private readonly Linear logVariance;

    public GaussianEncoder(Sequential trunk, int features, int latent)
        : base("gaussian_encoder")
    {
        this.trunk = trunk;
        mean = nn.Linear(features, latent);
        logVariance = nn.Linear(features, latent);
        RegisterComponents();
    }

    public Sequential Trunk => trunk;

    public Linear Mean => mean;

    public Linear LogVariance => logVariance;

    public override Tensor forward(Tensor input)
    {
        using var features = trunk.forward(input);
        return mean.forward(features);
    }

    /// <summary>[N,C,H,W] images to the [N,latent] mean and log-variance of q(z|x).</summary>
    public (Tensor Mean, Tensor LogVariance) Distribution(Tensor input)
    {
        using var features = trunk.forward(input);
        return (mean.forward(features), logVariance.forward(features));
    }
}

/// <summary>
/// The convolutional autoencoder's layout (<see cref="ConvolutionalAutoencoder"/>'s trunk and decoder) with a
/// <see cref="GaussianEncoder"/>: a variational autoencoder whose decoder gives the means of independent Bernoulli
/// pixels (hence a sigmoid output), trained on the negative evidence lower bound with the reparameterisation trick.
/// </summary>
internal sealed class VariationalAutoencoder : AutoencoderNetwork
{
    public const string Kind = "vae";

    /// <summary>How pixels enter the likelihood, as model.json records it.</summary>
    public const string PixelModel = "continuous [0,1] under a Bernoulli decoder";

    // Field names are the checkpoint keys.
    private readonly GaussianEncoder encoder;
    private readonly Sequential decoder;

    public VariationalAutoencoder(ConvolutionalShape shape)
        : base(Kind)
    {
        if (shape.OutputActivation != Activation.Sigmoid || shape.LatentActivation != Activation.None)
        {
            throw new ArgumentException("a variational autoencoder needs a linear latent (the Gaussian's mean) and a sigmoid output (the Bernoulli means)", nameof(shape));
        }

        Shape = shape;
        var (trunk, features) = ConvolutionalAutoencoder.EncoderTrunk(shape);
        encoder = new GaussianEncoder(Layers([.. trunk]), features, shape.Latent);
        decoder = Layers([.. ConvolutionalAutoencoder.DecoderLayers(shape)]);
        RegisterComponents();
    }

    public ConvolutionalShape Shape { get; }

    public override ImageShape Image => Shape.Image;

    public override int Latent => Shape.Latent;

    public override Activation OutputActivation => Shape.OutputActivation;

    public override GaussianEncoder Encoder => encoder;

    public override Sequential Decoder => decoder;

    public override string Summary => Shape.Summary(Kind) + " (mean and log-variance)";

    public override ArchitectureInfo Describe() => Shape.Describe(Kind, ParameterCount);

    /// <summary>
    /// The negative ELBO's two terms for each image, in nats: the reconstruction term -log p(x|z) for one draw
    /// z = mean + exp(logVariance / 2) * noise (binary cross-entropy of the decoded Bernoulli means against the
    /// [0,1] <paramref name="target"/> pixels, summed over pixels), and KL(q(z|x) || N(0, I)) in closed form.
    /// <paramref name="generator"/> draws the noise (null: the global generator), so evaluation can be repeatable.
    /// </summary>
    public ElboTerms NegativeElbo(Tensor input, Tensor target, Generator? generator = null)
    {
        var (mean, logVariance) = encoder.Distribution(input);
        using (mean)
        using (logVariance)
        {
            using var noise = randn(mean.shape, dtype: mean.dtype, device: mean.device, generator: generator);
            using var spread = logVariance.mul(0.5).exp();
            using var code = mean.addcmul(spread, noise, 1);
            var output = decoder.forward(code);
            using var crossEntropy = nn.functional.binary_cross_entropy(output, target, reduction: nn.Reduction.None);
            var reconstruction = crossEntropy.sum([1, 2, 3]);
            using var inner = logVariance.add(1).sub(mean.square()).sub(logVariance.exp());
            var kl = inner.sum(1).mul(-0.5);
            return new ElboTerms(output, reconstruction, kl);
        }
    }
}

/// <summary>
/// One pass of a variational autoencoder: the decoded Bernoulli means for the sampled codes, and per image the
/// reconstruction term and the KL term of the negative ELBO, in nats.
/// </summary>
internal sealed record ElboTerms(Tensor Output, Tensor Reconstruction, Tensor Kl);
