using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// Where uploaded bytes become model inputs and model outputs become PNGs, for a model's image shape.
/// </summary>
public sealed class ModelImages(ImageDecoder decoder)
{
    /// <summary>Decodes an upload and turns it into the model's [0,1] input (see <see cref="MnistPreprocessor"/>).</summary>
    public float[] ToModelInput(byte[] upload, ImageShape shape, bool preprocess)
    {
        using var image = decoder.Decode(upload);
        return MnistPreprocessor.ToModelInput(image, shape.Width, shape.Height, preprocess);
    }

    public byte[] ToPng(float[] pixels, ImageShape shape) => PngImages.Encode(pixels, shape.Width, shape.Height);

    /// <summary>Many images in one PNG, in a grid as close to square as the count allows.</summary>
    public byte[] ToGrid(float[] pixels, int count, ImageShape shape) =>
        PngImages.EncodeGrid(pixels, count, shape.Width, shape.Height, columns: (int)Math.Ceiling(Math.Sqrt(count)));

    public byte[] ToStrip(IReadOnlyList<float[]> frames, ImageShape shape) => PngImages.EncodeStrip(frames, shape.Width, shape.Height);
}
