using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Evaluation;

/// <summary>
/// The networks generated images are judged by. More than one: a Fréchet distance is only as good as the features it
/// is taken on, and a generator that fools one network's features can be caught by another's.
/// </summary>
internal enum ClassifierArchitecture
{
    LeNet,
    Vgg,
}

internal static class ClassifierArchitectures
{
    /// <summary>Every architecture, in the order reports show them.</summary>
    public static IReadOnlyList<ClassifierArchitecture> All { get; } = Enum.GetValues<ClassifierArchitecture>();

    /// <summary>The name in tables, logs and file names: "LeNet", "VGG".</summary>
    public static string Label(this ClassifierArchitecture architecture) => architecture switch
    {
        ClassifierArchitecture.LeNet => "LeNet",
        ClassifierArchitecture.Vgg => "VGG",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };

    public static string Description(this ClassifierArchitecture architecture) => architecture switch
    {
        ClassifierArchitecture.LeNet => $"two 5x5 convolutions of 32 and 64 channels, each with 2x2 max pooling, {ClassifierNetwork.FeatureSize} units, {ClassifierNetwork.Classes} outputs",
        ClassifierArchitecture.Vgg => $"a small VGG: two 3x3 convolutions of 32 channels, 2x2 max pooling, two of 64, 2x2 max pooling, {ClassifierNetwork.FeatureSize} units, {ClassifierNetwork.Classes} outputs",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };

    public static ClassifierNetwork Create(this ClassifierArchitecture architecture, int height, int width) => architecture switch
    {
        ClassifierArchitecture.LeNet => new LeNet(height, width),
        ClassifierArchitecture.Vgg => new SmallVgg(height, width),
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };
}

/// <summary>A classifier whose last hidden layer, 128 activations after ReLU, is what generated images are compared by.</summary>
internal abstract class ClassifierNetwork : nn.Module<Tensor, Tensor>
{
    // The same width for every network, so their distances are of the same order and read side by side.
    public const int FeatureSize = 128;
    public const int Classes = 10;

    protected ClassifierNetwork(string name)
        : base(name)
    {
    }

    /// <summary>The activations of the last hidden layer after its ReLU, [N, 128] for [N, 1, H, W] images.</summary>
    public abstract Tensor Features(Tensor images);
}

/// <summary>
/// LeNet: two 5x5 convolutions (32 and 64 channels), each followed by ReLU and 2x2 max pooling, a 128-unit fully
/// connected layer with ReLU, and 10 outputs.
/// </summary>
internal sealed class LeNet : ClassifierNetwork
{
    // Field names are the checkpoint keys.
    private readonly Conv2d first;
    private readonly Conv2d second;
    private readonly Linear features;
    private readonly Linear classes;

    public LeNet(int height, int width)
        : base(nameof(LeNet))
    {
        var (pooledHeight, pooledWidth) = (((height - 4) / 2 - 4) / 2, ((width - 4) / 2 - 4) / 2);
        if (pooledHeight < 1 || pooledWidth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"{height}x{width} images are too small for two 5x5 convolutions with pooling");
        }

        first = nn.Conv2d(1, 32, 5);
        second = nn.Conv2d(32, 64, 5);
        features = nn.Linear(64 * pooledHeight * pooledWidth, FeatureSize);
        classes = nn.Linear(FeatureSize, Classes);
        RegisterComponents();
    }

    public override Tensor Features(Tensor images)
    {
        var x = nn.functional.max_pool2d(nn.functional.relu(first.forward(images)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(second.forward(x)), 2);
        return nn.functional.relu(features.forward(x.flatten(1)));
    }

    /// <summary>Class scores (logits), [N, 10].</summary>
    public override Tensor forward(Tensor images) => classes.forward(Features(images));
}

/// <summary>
/// A small VGG: padded 3x3 convolutions in two stages of two (32, then 64 channels), each convolution followed by
/// ReLU and each stage by 2x2 max pooling, then a 128-unit fully connected layer with ReLU and 10 outputs. Unlike
/// LeNet's, its receptive fields grow by small steps and it sees the whole image at full resolution first.
/// </summary>
internal sealed class SmallVgg : ClassifierNetwork
{
    // Field names are the checkpoint keys.
    private readonly Conv2d first;
    private readonly Conv2d second;
    private readonly Conv2d third;
    private readonly Conv2d fourth;
    private readonly Linear features;
    private readonly Linear classes;

    public SmallVgg(int height, int width)
        : base(nameof(SmallVgg))
    {
        var (pooledHeight, pooledWidth) = (height / 2 / 2, width / 2 / 2);
        if (pooledHeight < 1 || pooledWidth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"{height}x{width} images are too small for two 2x2 poolings");
        }

        first = nn.Conv2d(1, 32, 3, padding: 1);
        second = nn.Conv2d(32, 32, 3, padding: 1);
        third = nn.Conv2d(32, 64, 3, padding: 1);
        fourth = nn.Conv2d(64, 64, 3, padding: 1);
        features = nn.Linear(64 * pooledHeight * pooledWidth, FeatureSize);
        classes = nn.Linear(FeatureSize, Classes);
        RegisterComponents();
    }

    public override Tensor Features(Tensor images)
    {
        var x = nn.functional.relu(first.forward(images));
        x = nn.functional.max_pool2d(nn.functional.relu(second.forward(x)), 2);
        x = nn.functional.relu(third.forward(x));
        x = nn.functional.max_pool2d(nn.functional.relu(fourth.forward(x)), 2);
        return nn.functional.relu(features.forward(x.flatten(1)));
    }

    /// <summary>Class scores (logits), [N, 10].</summary>
    public override Tensor forward(Tensor images) => classes.forward(Features(images));
}
