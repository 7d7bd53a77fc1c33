using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>The element-wise non-linearities a layer of our models may end with.</summary>
internal enum Activation
{
    None,
    Relu,
    Sigmoid,
}

internal static class ActivationModules
{
    /// <summary>The module for an activation, or null for <see cref="Activation.None"/>.</summary>
    public static nn.Module<Tensor, Tensor>? Create(Activation activation) => activation switch
    {
        Activation.None => null,
        Activation.Relu => nn.ReLU(),
        Activation.Sigmoid => nn.Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public static string Name(Activation activation) => activation.ToString().ToLowerInvariant();
}
