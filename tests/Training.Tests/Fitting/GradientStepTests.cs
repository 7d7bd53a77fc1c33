using Autoencoder.Training.Fitting;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Tests.Fitting;

public sealed class GradientStepTests
{
    [Fact]
    public void FiniteGradientsAreKeptFromTheFirstPass()
    {
        using var layer = nn.Linear(3, 2);
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        var passes = 0;

        var (_, loss, recomputed) = GradientStep.Compute(optimizer, [.. layer.parameters()], () =>
        {
            passes++;
            var output = layer.call(ones(4, 3));
            return (output, output.square().mean());
        }, "epoch 1, batch 1");

        Assert.False(recomputed);
        Assert.Equal(1, passes);
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void ABatchWhoseGradientsCameOutNaNOnceIsComputedAgainFromTheSameRandomState()
    {
        using var layer = nn.Linear(3, 2);
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        (Tensor, Tensor) Pass(bool poisoned)
        {
            // Random noise in the pass, as a variational autoencoder draws: the pass again must draw the same.
            var output = layer.call(ones(4, 3).add(randn(4, 3)));
            var loss = output.square().mean();
            return (output, poisoned ? loss.mul(float.NaN) : loss);
        }

        manual_seed(11);
        optimizer.zero_grad();
        Pass(poisoned: false).Item2.backward();
        var expected = layer.parameters().Select(parameter => parameter.grad!.clone()).ToList();

        manual_seed(11);
        var passes = 0;
        var (_, loss, recomputed) = GradientStep.Compute(optimizer, [.. layer.parameters()], () => Pass(poisoned: passes++ == 0), "epoch 1, batch 1");

        Assert.True(recomputed);
        Assert.Equal(2, passes);
        Assert.All(layer.parameters().Zip(expected), pair => Assert.True(pair.First.grad!.equal(pair.Second).all().item<bool>()));
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void ALossThatStaysNaNStopsTheRunSayingWhere()
    {
        using var layer = nn.Linear(3, 2);
        using var optimizer = optim.SGD(layer.parameters(), 0.1);
        using var input = ones(4, 3);
        input[1, 2] = tensor(float.NaN);

        var error = Assert.Throws<TrainingDivergedException>(() => GradientStep.Compute(optimizer, [.. layer.parameters()], () =>
        {
            var output = layer.call(input);
            return (output, output.square().mean());
        }, "epoch 3, batch 7"));

        Assert.StartsWith("training diverged at epoch 3, batch 7: the loss is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInfiniteGradientBehindAFiniteLossStopsTheRunToo()
    {
        // d/dw sqrt(w) at w = 0 is infinite; the loss, sqrt(0), is not.
        using var weight = nn.Parameter(zeros(3));
        using var optimizer = optim.SGD([weight], 0.1);

        var error = Assert.Throws<TrainingDivergedException>(() => GradientStep.Compute(optimizer, [weight], () =>
        {
            var output = weight.sqrt();
            return (output, output.sum());
        }, "epoch 1, batch 2"));

        Assert.Contains("the loss is 0 but its gradients are not finite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersWithoutGradientsCountAsFinite()
    {
        using var layer = nn.Linear(3, 2);

        Assert.True(GradientStep.AllFinite([.. layer.parameters()]));
    }
}
