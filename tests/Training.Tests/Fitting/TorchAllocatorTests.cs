using Autoencoder.Training.Fitting;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Tests.Fitting;

public sealed class TorchAllocatorTests
{
    [Fact]
    public void InAZeroFillScopeNewTensorsStartAtZeroEvenWhereFreedMemoryHeldNaN()
    {
        Assert.True(TorchAllocator.CanZeroFill);
        Poison(4096);

        using (TorchAllocator.ZeroFill())
        {
            using var fresh = empty(4096);

            Assert.Equal(0f, fresh.abs().sum().item<float>());
        }
    }

    [Fact]
    public void InAZeroFillScopeConvolutionGradientsStayFiniteWhereFreedMemoryHeldNaN()
    {
        manual_seed(3);
        using var network = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding: 1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding: 1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding: 1));
        using var images = rand(16, 1, 12, 12);
        using (TorchAllocator.ZeroFill())
        {
            for (var pass = 0; pass < 20; pass++)
            {
                // Memory the backward pass's buffers are likely to be handed next: freed blocks of its sizes, full of NaN.
                foreach (var size in new[] { 1152, 9216, 18432, 73728 })
                {
                    Poison(size);
                }

                network.zero_grad();
                using var output = network.call(images);
                using var loss = nn.functional.mse_loss(output, images);
                loss.backward();

                Assert.True(GradientStep.AllFinite([.. network.parameters()]), $"pass {pass}");
            }
        }
    }

    /// <summary>Allocates blocks of <paramref name="floats"/> floats, fills them with NaN and frees them.</summary>
    internal static void Poison(long floats)
    {
        var blocks = Enumerable.Range(0, 8).Select(_ => full(floats, float.NaN)).ToList();
        blocks.ForEach(block => block.Dispose());
    }
}
