using Autoencoder.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// The noise a denoiser is trained to remove, applied to a copy of a batch: the network sees the copy, the loss
/// compares with the clean batch. Each image gets one of the noises (<see cref="Noise.ApplyMix"/>) on its [0,1]
/// pixels, whatever scale the recipe feeds the network, so that a level means the same for every recipe.
/// </summary>
/// <remarks>
/// Each use draws from its own generator, seeded from the run's seed: training noise changes every epoch, while the
/// validation and test copies are made once and stay the same however many epochs run.
/// </remarks>
internal sealed class Corruption(IReadOnlyList<Noise> noises, float pixelScale, int seed)
{
    private readonly Random training = Generator(seed, Stream.Training);

    public IReadOnlyList<Noise> Noises => noises;

    /// <summary>A fresh corruption of a training batch of pixels in 0..pixelScale; each call draws new noise.</summary>
    public Tensor CorruptBatch(Tensor clean) => Corrupt(clean, pixelScale, training);

    /// <summary>The fixed noisy copy of the validation images ([0,1] pixels), the same for every epoch of a seed.</summary>
    public Tensor CorruptValidation(Tensor clean) => Corrupt(clean, 1f, Generator(seed, Stream.Validation));

    /// <summary>The fixed noisy copy of the test images ([0,1] pixels).</summary>
    public Tensor CorruptTest(Tensor clean) => Corrupt(clean, 1f, Generator(seed, Stream.Test));

    /// <summary>
    /// Corrupts a copy of [N,C,H,W] <paramref name="clean"/> pixels in 0..<paramref name="scale"/>, on the CPU in one
    /// pass over the batch's floats, and returns it on <paramref name="clean"/>'s device at its scale.
    /// </summary>
    private Tensor Corrupt(Tensor clean, float scale, Random random)
    {
        float[] pixels;
        using (var onCpu = clean.device_type == DeviceType.CPU ? null : clean.cpu())
        using (var values = (onCpu ?? clean).data<float>())
        {
            pixels = values.ToArray();
        }

        if (scale != 1f)
        {
            ScaleInPlace(pixels, 1f / scale);
        }

        Noise.ApplyMix(noises, pixels, (int)(clean.numel() / clean.shape[0]), random);
        if (scale != 1f)
        {
            ScaleInPlace(pixels, scale);
        }

        var noisy = tensor(pixels, clean.shape);
        if (clean.device_type == DeviceType.CPU)
        {
            return noisy;
        }

        using (noisy)
        {
            return noisy.to(clean.device);
        }
    }

    private static void ScaleInPlace(Span<float> pixels, float factor)
    {
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] *= factor;
        }
    }

    private static Random Generator(int seed, Stream stream) => new(unchecked((seed * 3) + (int)stream));

    private enum Stream
    {
        Training,
        Validation,
        Test,
    }
}
