using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// What a request holds in memory while it is answered, from the sizes the client chose, in bytes: what each route
/// reserves from <see cref="WorkMemory"/> before its work starts. Estimates on the safe side: floats are 4 bytes, an
/// 8-bit pixel written as JSON text up to 16.
/// </summary>
public static class AnswerMemory
{
    private const int FloatBytes = sizeof(float);

    /// <summary>Bytes of a float written as JSON text, with its separator ("0.123456789,").</summary>
    private const int JsonNumberBytes = 16;

    /// <summary>
    /// One window of a streamed answer of <paramref name="count"/> images (at most <see cref="AutoencoderService.WindowRows"/>):
    /// its latents and images as floats, in and out, and the window's bytes as the answer writes them (as JSON numbers
    /// at most).
    /// </summary>
    public static long Window(OnnxAutoencoder model, long count) =>
        Math.Min(count, AutoencoderService.WindowRows) * ((model.LatentSize * FloatBytes * 2L) + (model.PixelCount * ((FloatBytes * 2L) + JsonNumberBytes)));

    /// <summary>A grid streamed a band at a time (<see cref="Images.PngImages.WriteGridAsync"/>): a band of 8-bit samples, and as much again for its compression.</summary>
    public static long GridBand(ImageShape shape, int columns) => 2L * columns * shape.PixelCount;

    /// <summary>The request's body, received, as a handler copies it to read it (a bulk file, a .npy matrix).</summary>
    public static long Body(HttpRequest request, long maxBytes) =>
        request.HttpContext.Features.Get<IReceivedBodyFeature>()?.Length ?? request.ContentLength ?? maxBytes;

    /// <summary>
    /// A .npy body read whole, then its values as floats: the body and about as much again. A gzip body (declared, or
    /// starting as gzip) can inflate to <paramref name="maxBytes"/> whatever its own size, so it is reserved for that:
    /// the body as received, the inflated file, and its floats.
    /// </summary>
    public static long NpyBody(HttpRequest request, long maxBytes)
    {
        var received = Body(request, maxBytes);
        return RequestBodies.MayBeGzip(request) ? received + (2 * maxBytes) : 2 * received;
    }

    /// <summary>Latents read from a body: <paramref name="rows"/> of the model's latent size as floats.</summary>
    public static long Latents(OnnxAutoencoder model, long rows) => rows * model.LatentSize * FloatBytes;

    /// <summary>
    /// A grid of <paramref name="count"/> heat maps: every image and its reconstruction as floats, and the grid of RGB
    /// tiles twice (drawn, then encoded).
    /// </summary>
    public static long HeatMapGrid(OnnxAutoencoder model, int count)
    {
        var shape = model.Manifest.Image;
        var (tileWidth, tileHeight) = Images.HeatMap.TileSize(shape.Width, shape.Height);
        var tile = (long)(tileWidth + Images.HeatMap.TileGap) * (tileHeight + Images.HeatMap.TileGap) * 3;
        return count * ((2L * model.PixelCount * FloatBytes) + (2 * tile));
    }

    /// <summary>Per-image scores of a bulk /score: an error, a percentile and a verdict each, and their JSON text.</summary>
    public static long Scores(int count) => count * (8L + 16 + 1 + (3 * JsonNumberBytes));

    /// <summary>
    /// Per-image novelty of a bulk /score for a model with a scorer: a score, a percentile and a verdict each, every
    /// term's raw and normalised value, and their JSON text ("false," for a verdict); nothing for a model without one.
    /// </summary>
    public static long Novelty(NoveltyScorer? scorer, int count)
    {
        if (scorer is null)
        {
            return 0;
        }

        var numbers = 2L + (2L * scorer.Calibration.Terms.Count);
        return count * ((numbers * (8 + JsonNumberBytes)) + 1 + 6);
    }

    /// <summary>An interpolation of <paramref name="steps"/> blends: the two images, each blend's latent and frame as floats, and the strip or JSON frames twice.</summary>
    public static long Interpolation(OnnxAutoencoder model, int steps) =>
        ((steps + 2L) * model.PixelCount * ((FloatBytes * 2) + 4)) + (steps * model.LatentSize * FloatBytes * 2L);
}
