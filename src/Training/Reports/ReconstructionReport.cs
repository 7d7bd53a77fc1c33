using Autoencoder.Training.Models;
using static TorchSharp.torch;

namespace Autoencoder.Training.Reports;

/// <summary>The pictures a person looks at after training: reconstructions.png and interpolation.png.</summary>
internal static class ReconstructionReport
{
    /// <summary>The article's interpolation weights: 0.05 to 0.80 in steps of 0.15.</summary>
    public static IReadOnlyList<float> InterpolationWeights { get; } = [0.05f, 0.20f, 0.35f, 0.50f, 0.65f, 0.80f];

    private const int CellSize = 84;

    /// <summary>Random test images (seeded), each original above its reconstruction.</summary>
    public static void SaveReconstructions(string path, AutoencoderModel model, Tensor testImages, int count, int seed)
    {
        var picks = Pick(testImages.shape[0], count, seed);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var originals = testImages.index_select(0, tensor(picks));
        var reconstructions = model.ContractDecoder.forward(model.ContractEncoder.forward(originals));
        var (channels, height, width) = ((int)originals.shape[1], (int)originals.shape[2], (int)originals.shape[3]);

        using var sheet = new DigitSheet(picks.Length, rows: 2, CellSize);
        for (var i = 0; i < picks.Length; i++)
        {
            var error = reconstructions[i].sub(originals[i]).square().mean().item<float>();
            sheet.Draw(i, 0, Pixels(originals[i]), width, height, $"#{picks[i]}", channels);
            sheet.Draw(i, 1, Pixels(reconstructions[i]), width, height, $"mse {error:F4}", channels);
        }

        sheet.Save(path);
    }

    /// <summary>Two test digits and the decodings of their blended latents, (1 - w) first + w second.</summary>
    public static void SaveInterpolation(string path, AutoencoderModel model, Tensor testImages, int seed)
    {
        var picks = Pick(testImages.shape[0], 2, seed);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var pair = testImages.index_select(0, tensor(picks));
        var latents = model.ContractEncoder.forward(pair);
        var weights = tensor(InterpolationWeights.ToArray()).unsqueeze(1);
        var blended = latents[0].unsqueeze(0).mul(weights.neg().add(1)).add(latents[1].unsqueeze(0).mul(weights));
        var frames = model.ContractDecoder.forward(blended);
        var (channels, height, width) = ((int)pair.shape[1], (int)pair.shape[2], (int)pair.shape[3]);

        using var sheet = new DigitSheet(InterpolationWeights.Count + 2, rows: 1, CellSize);
        sheet.Draw(0, 0, Pixels(pair[0]), width, height, $"#{picks[0]}", channels);
        for (var i = 0; i < InterpolationWeights.Count; i++)
        {
            sheet.Draw(i + 1, 0, Pixels(frames[i]), width, height, $"w = {InterpolationWeights[i]:F2}", channels);
        }

        sheet.Draw(InterpolationWeights.Count + 1, 0, Pixels(pair[1]), width, height, $"#{picks[1]}", channels);
        sheet.Save(path);
    }

    private static long[] Pick(long available, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, (int)available).OrderBy(_ => random.Next()).Take(Math.Min(count, (int)available)).Select(i => (long)i)];
    }

    private static float[] Pixels(Tensor image) => image.contiguous().data<float>().ToArray();
}
