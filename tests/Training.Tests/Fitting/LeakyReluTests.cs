using Autoencoder.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Tests.Fitting;

public sealed class LeakyReluTests
{
    [Fact]
    public void ItScalesNegativesBySlopeAndKeepsPositives()
    {
        using var module = ActivationModules.Create(Activation.LeakyRelu)!;
        using var input = tensor(new[] { -2f, -0.5f, 0f, 0.5f, 3f });

        using var output = module.call(input);

        Assert.Equal(new[] { -0.02f, -0.005f, 0f, 0.5f, 3f }, output.data<float>().ToArray());
    }
}
