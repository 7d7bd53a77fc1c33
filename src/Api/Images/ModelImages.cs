using Autoencoder.Api.Limits;
using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// Where uploaded bytes become model inputs and model outputs become PNGs, for a model's image shape.
/// </summary>
public sealed class ModelImages(ImageDecoder decoder, DecodeBudget budget)
{
    /// <summary>
    /// Decodes an upload and turns it into the model's [0,1] input (see <see cref="MnistPreprocessor"/>). A large JPEG
    /// is decoded only as large as the preprocessing can use. The decode waits until its pixels fit the
    /// <see cref="DecodeBudget"/>, and gives them back as soon as the input is made.
    /// </summary>
    public async ValueTask<float[]> ToModelInputAsync(byte[] upload, ImageShape shape, bool preprocess, CancellationToken cancellationToken)
    {
        var inspected = decoder.Inspect(upload, preprocess ? MnistPreprocessor.SmallestUsefulSource(shape.Width, shape.Height) : null);
        using var reservation = await budget.ReserveAsync(inspected.PixelsToReserve, cancellationToken);
        using var image = decoder.Load(inspected);
        return MnistPreprocessor.ToModelInput(image, shape.Width, shape.Height, preprocess);
    }

    public byte[] ToPng(float[] pixels, ImageShape shape) => PngImages.Encode(pixels, shape.Width, shape.Height);

    /// <summary>Many images in one PNG, in a grid as close to square as the count allows.</summary>
    public byte[] ToGrid(float[] pixels, int count, ImageShape shape) =>
        PngImages.EncodeGrid(pixels, count, shape.Width, shape.Height, columns: (int)Math.Ceiling(Math.Sqrt(count)));

    public byte[] ToStrip(IReadOnlyList<float[]> frames, ImageShape shape) => PngImages.EncodeStrip(frames, shape.Width, shape.Height);
}
