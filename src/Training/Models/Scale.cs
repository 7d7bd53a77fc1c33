using static TorchSharp.torch;

namespace Autoencoder.Training.Models;

/// <summary>Multiplies by a constant: how a recipe's internal pixel scale is baked into the exported contract.</summary>
internal sealed class Scale(float factor) : nn.Module<Tensor, Tensor>("scale")
{
    public float Factor { get; } = factor;

    public override Tensor forward(Tensor input) => input.mul(Factor);
}

/// <summary>Clamps to [Min, Max]: keeps an unbounded output (e.g. ReLU) inside the contract's pixel range.</summary>
internal sealed class Clamp(float min, float max) : nn.Module<Tensor, Tensor>("clamp")
{
    public float Min { get; } = min;

    public float Max { get; } = max;

    public override Tensor forward(Tensor input) => input.clamp(Min, Max);
}
