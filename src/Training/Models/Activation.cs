using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>The element-wise non-linearities a layer of our models may end with.</summary>
internal enum Activation
{
    None,
    Relu,

    /// <summary>LeakyReLU with slope <see cref="ActivationModules.LeakySlope"/> below zero.</summary>
    LeakyRelu,
    Sigmoid,
}

internal static class ActivationModules
{
    /// <summary>PyTorch's default negative slope.</summary>
    public const double LeakySlope = 0.01;

    /// <summary>The module for an activation, or null for <see cref="Activation.None"/>.</summary>
    public static nn.Module<Tensor, Tensor>? Create(Activation activation) => activation switch
    {
        Activation.None => null,
        Activation.Relu => nn.ReLU(),
        Activation.LeakyRelu => new LeakyRelu(LeakySlope),
        Activation.Sigmoid => nn.Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public static string Name(Activation activation) => activation switch
    {
        Activation.LeakyRelu => "leaky-relu",
        _ => activation.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// LeakyReLU whose slope is one <see cref="Scalar"/> the module holds for its life. TorchSharp's own module turns the
/// slope into a temporary Scalar on every call and passes libtorch only its native handle, so the garbage collector can
/// finalize (free) that Scalar while libtorch reads it: a run then dies with "Expected false to be true ... toFloat"
/// after hours of epochs.
/// </summary>
internal sealed class LeakyRelu : nn.Module<Tensor, Tensor>
{
    private readonly Scalar slope;

    public LeakyRelu(double negativeSlope)
        : base(nameof(LeakyRelu))
    {
        NegativeSlope = negativeSlope;
        slope = negativeSlope.ToScalar();
    }

    public double NegativeSlope { get; }

    public override Tensor forward(Tensor input)
    {
        var output = input.leaky_relu(slope);
        GC.KeepAlive(slope);
        return output;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            slope.Dispose();
        }

        base.Dispose(disposing);
    }
}
