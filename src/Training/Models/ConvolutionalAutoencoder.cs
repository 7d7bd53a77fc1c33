using Autoencoder.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>
/// Sizes of the convolutional autoencoder: one stage per entry of <paramref name="Channels"/>, each halving the
/// image with a strided 3x3 convolution, preceded by <paramref name="ConvolutionsPerStage"/> - 1 unstrided ones.
/// </summary>
internal sealed record ConvolutionalShape(
    ImageShape Image,
    IReadOnlyList<int> Channels,
    int ConvolutionsPerStage,
    int Latent,
    Activation HiddenActivation,
    Activation LatentActivation,
    Activation OutputActivation)
{
    /// <summary>"conv 28x28x1 -> 32 -> 64 (2 convolution(s) a stage) -> 20", as the training log starts.</summary>
    public string Summary(string kind) =>
        $"{kind} {Image.Height}x{Image.Width}x{Image.Channels} -> {string.Join(" -> ", Channels)} " +
        $"({ConvolutionsPerStage} convolution(s) a stage) -> {Latent}";

    /// <summary>model.json's architecture of a network of this shape.</summary>
    public ArchitectureInfo Describe(string kind, long parameters) => new()
    {
        Kind = kind,
        ConvolutionChannels = [.. Channels],
        ConvolutionsPerStage = ConvolutionsPerStage,
        HiddenActivation = ActivationModules.Name(HiddenActivation),
        LatentActivation = ActivationModules.Name(LatentActivation),
        OutputActivation = ActivationModules.Name(OutputActivation),
        Parameters = parameters,
    };

    /// <summary>Height and width of each stage's output, from the image down: 28x28 gives 14x14, 7x7.</summary>
    public IReadOnlyList<(int Height, int Width)> StageSizes()
    {
        var sizes = new List<(int, int)>();
        var (height, width) = (Image.Height, Image.Width);
        foreach (var _ in Channels)
        {
            (height, width) = ((height + 1) / 2, (width + 1) / 2);
            sizes.Add((height, width));
        }

        return sizes;
    }
}

/// <summary>
/// The follow-up article's convolutional autoencoder. Encoder: per stage, 3x3 convolutions (the last of stride 2)
/// with the hidden activation, then Flatten and Linear to the latent. Decoder: the mirror image, Linear and
/// Unflatten, then per stage 3x3 convolutions and a stride-2 3x3 transposed convolution (output padding 1) that
/// doubles the size back. Height and width must halve evenly at every stage.
/// </summary>
internal sealed class ConvolutionalAutoencoder : AutoencoderNetwork
{
    public const string Kind = "conv";

    // Field names are the checkpoint keys.
    private readonly Sequential encoder;
    private readonly Sequential decoder;

    public ConvolutionalAutoencoder(ConvolutionalShape shape)
        : base(Kind)
    {
        Shape = shape;
        var (trunk, features) = EncoderTrunk(shape);
        encoder = Layers(
        [
            .. trunk,
            ("latent", nn.Linear(features, shape.Latent)),
            ("latent_activation", ActivationModules.Create(shape.LatentActivation)),
        ]);
        decoder = Layers([.. DecoderLayers(shape)]);
        RegisterComponents();
    }

    public ConvolutionalShape Shape { get; }

    public override ImageShape Image => Shape.Image;

    public override int Latent => Shape.Latent;

    public override Activation OutputActivation => Shape.OutputActivation;

    public override Sequential Encoder => encoder;

    public override Sequential Decoder => decoder;

    public override string Summary => Shape.Summary(Kind);

    public override ArchitectureInfo Describe() => Shape.Describe(Kind, ParameterCount);

    /// <summary>
    /// The encoder up to its latent layer: per stage, 3x3 convolutions (the last of stride 2) with the hidden activation,
    /// then Flatten; and how many numbers that leaves per image. A variational encoder puts two heads on the same trunk.
    /// </summary>
    internal static (List<(string Name, nn.Module<Tensor, Tensor>? Module)> Layers, int Features) EncoderTrunk(ConvolutionalShape shape)
    {
        Validate(shape);
        var (lastHeight, lastWidth) = shape.StageSizes()[^1];
        var layers = new List<(string, nn.Module<Tensor, Tensor>?)>();
        var channels = shape.Image.Channels;
        for (var stage = 0; stage < shape.Channels.Count; stage++)
        {
            var output = shape.Channels[stage];
            for (var extra = 1; extra < shape.ConvolutionsPerStage; extra++)
            {
                layers.Add(($"stage{stage}_conv{extra}", nn.Conv2d(channels, output, 3, stride: 1, padding: 1)));
                layers.Add(($"stage{stage}_conv{extra}_activation", ActivationModules.Create(shape.HiddenActivation)));
                channels = output;
            }

            layers.Add(($"stage{stage}_down", nn.Conv2d(channels, output, 3, stride: 2, padding: 1)));
            layers.Add(($"stage{stage}_down_activation", ActivationModules.Create(shape.HiddenActivation)));
            channels = output;
        }

        layers.Add(("flatten", nn.Flatten()));
        return (layers, shape.Channels[^1] * lastHeight * lastWidth);
    }

    /// <summary>
    /// The decoder: Linear and Unflatten, then per stage 3x3 convolutions and a stride-2 3x3 transposed convolution
    /// (output padding 1) that doubles the size back, the last ending with the output activation.
    /// </summary>
    internal static List<(string Name, nn.Module<Tensor, Tensor>? Module)> DecoderLayers(ConvolutionalShape shape)
    {
        Validate(shape);
        var sizes = shape.StageSizes();
        var (lastHeight, lastWidth) = sizes[^1];
        var lastChannels = shape.Channels[^1];
        var layers = new List<(string, nn.Module<Tensor, Tensor>?)>
        {
            ("expand", nn.Linear(shape.Latent, lastChannels * lastHeight * lastWidth)),
            ("expand_activation", ActivationModules.Create(shape.HiddenActivation)),
            ("unflatten", nn.Unflatten(1, [lastChannels, lastHeight, lastWidth])),
        };
        for (var stage = shape.Channels.Count - 1; stage >= 0; stage--)
        {
            var input = shape.Channels[stage];
            for (var extra = 1; extra < shape.ConvolutionsPerStage; extra++)
            {
                layers.Add(($"stage{stage}_conv{extra}", nn.Conv2d(input, input, 3, stride: 1, padding: 1)));
                layers.Add(($"stage{stage}_conv{extra}_activation", ActivationModules.Create(shape.HiddenActivation)));
            }

            var output = stage == 0 ? shape.Image.Channels : shape.Channels[stage - 1];
            layers.Add(($"stage{stage}_up", nn.ConvTranspose2d(input, output, 3, stride: 2, padding: 1, output_padding: 1)));
            layers.Add(($"stage{stage}_up_activation", ActivationModules.Create(stage == 0 ? shape.OutputActivation : shape.HiddenActivation)));
        }

        return layers;
    }

    private static void Validate(ConvolutionalShape shape)
    {
        if (shape.Channels.Count == 0 || shape.ConvolutionsPerStage < 1)
        {
            throw new ArgumentException("a convolutional autoencoder needs at least one stage of at least one convolution", nameof(shape));
        }

        var sizes = shape.StageSizes();
        for (var stage = 0; stage < sizes.Count; stage++)
        {
            var (height, width) = sizes[stage];
            var (targetHeight, targetWidth) = stage == 0 ? (shape.Image.Height, shape.Image.Width) : sizes[stage - 1];
            if (targetHeight != 2 * height || targetWidth != 2 * width)
            {
                // An odd size needs an output padding of 0 on that axis: TorchSharp 0.107 applies the first axis's to
                // both, and ONNX Runtime's ConvTranspose did not reproduce it reliably, so only exact halvings are built.
                throw new ArgumentException(
                    $"a {shape.Image.Height}x{shape.Image.Width} image does not halve evenly {shape.Channels.Count} time(s); convolutional models need height and width divisible by {1 << shape.Channels.Count}",
                    nameof(shape));
            }
        }
    }
}
