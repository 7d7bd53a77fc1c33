using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Noise the service adds to a request's images before denoising them (?noise= and ?seed=), to show what a denoiser
/// removes: one seed gives the same noise, so the same request gives the same bytes.
/// </summary>
/// <param name="Noise">The kind and level (or range of levels, drawn per image).</param>
/// <param name="Seed">Seeds the draws; the answer reports it, so a random one can be repeated.</param>
public sealed record AddedNoise(Noise Noise, int Seed)
{
    /// <summary>
    /// Corrupts each [0,1] image of <paramref name="images"/> in order, all from one generator seeded with
    /// <see cref="Seed"/> (so the first image of a file gets the noise that image would get alone), then rounds them to
    /// 8 bits: the noisy image a client gets back is exactly the one the model denoised.
    /// </summary>
    public void Apply(Span<float> images, int pixelsPerImage) => Apply(images, pixelsPerImage, new Random(Seed));

    /// <summary>
    /// Windows of images corrupted as <see cref="Apply(Span{float}, int)"/> would corrupt them all at once: one
    /// generator runs on from window to window, so the noise does not depend on where the windows split the images.
    /// </summary>
    public async IAsyncEnumerable<(float[] Input, int Rows)> ApplyInOrder(IAsyncEnumerable<(float[] Input, int Rows)> windows, int pixelsPerImage)
    {
        var random = new Random(Seed);
        await foreach (var (input, rows) in windows)
        {
            Apply(input.AsSpan(0, rows * pixelsPerImage), pixelsPerImage, random);
            yield return (input, rows);
        }
    }

    private void Apply(Span<float> images, int pixelsPerImage, Random random)
    {
        Noise.ApplyMix([Noise], images, pixelsPerImage, random);
        PixelValues.ToUnit(PixelValues.ToBytes(images), images);
    }
}
