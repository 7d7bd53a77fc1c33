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
        Activation.LeakyRelu => nn.LeakyReLU(LeakySlope),
        Activation.Sigmoid => nn.Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public static string Name(Activation activation) => activation switch
    {
        Activation.LeakyRelu => "leaky-relu",
        _ => activation.ToString().ToLowerInvariant(),
    };
}
