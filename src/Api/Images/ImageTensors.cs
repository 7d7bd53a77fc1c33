using Autoencoder.Api.Limits;
using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// Where uploaded bytes become model inputs and model outputs become PNGs, for a model's image shape.
/// </summary>
public sealed class ImageTensors(ImageDecoder decoder, DecodeBudget budget)
{
    /// <summary>
    /// Decodes an upload and turns it into the model's [0,1] C x H x W input the way <paramref name="imageHandling"/> (one of
    /// <see cref="ImageHandling"/>, from the model's model.json) says: for a gray model by the gray handlings, for a
    /// colour one by <see cref="ColourPreparation"/>. A large JPEG is decoded only as large as the
    /// preprocessing can use. The decode waits until its pixels fit the
    /// <see cref="DecodeBudget"/>, and gives them back as soon as the input is made.
    /// </summary>
    public async ValueTask<float[]> ToModelInputAsync(byte[] upload, ImageShape shape, ImageHandling imageHandling, CancellationToken cancellationToken)
    {
        var inspected = decoder.Inspect(upload, imageHandling == ImageHandling.None ? null : DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height));
        using var reservation = await budget.ReserveAsync(inspected.PixelsToReserve, cancellationToken);
        using var image = decoder.Load(inspected);
        if (shape.IsColour)
        {
            // Which handlings a colour model may name is checked when it is loaded (ImageLayout.Problem).
            return imageHandling == ImageHandling.None ? ColourPreparation.Exact(image, shape) : ColourPreparation.Fit(image, shape);
        }

        return imageHandling switch
        {
            ImageHandling.MnistDigit => DigitPreparation.ToModelInput(image, shape.Width, shape.Height),
            ImageHandling.Fit => FitPreparation.ToModelInput(image, shape.Width, shape.Height),
            ImageHandling.None => ExactInput.ToModelInput(image, shape.Width, shape.Height),
            _ => throw new ArgumentOutOfRangeException(nameof(imageHandling), imageHandling, "checked when the model is loaded"),
        };
    }

    public byte[] ToPng(ReadOnlySpan<float> pixels, ImageShape shape) => PngImages.Encode(pixels, shape);

    /// <summary>Many images in one PNG, in a grid as close to square as the count allows, written as they arrive, a band at a time.</summary>
    public Task WriteGridAsync(Stream output, IAsyncEnumerable<float[]> pieces, int count, ImageShape shape, CancellationToken cancellationToken) =>
        PngImages.WriteGridAsync(output, pieces, count, shape, GridColumns(count), cancellationToken);

    /// <summary>A grid's columns: as close to square as the count allows.</summary>
    public static int GridColumns(int count) => (int)Math.Ceiling(Math.Sqrt(count));

    /// <summary>Input, reconstruction and their per-pixel error side by side (see <see cref="HeatMap"/>).</summary>
    public byte[] ToHeatMap(float[] input, float[] reconstruction, ImageShape shape) => HeatMap.Encode(input, reconstruction, shape);

    /// <summary>Many images' heat maps in one grid (see <see cref="HeatMap.EncodeGrid"/>).</summary>
    public byte[] ToHeatMapGrid(float[] inputs, float[] reconstructions, int count, ImageShape shape) =>
        HeatMap.EncodeGrid(inputs, reconstructions, count, shape);

    public byte[] ToStrip(IReadOnlyList<float[]> frames, ImageShape shape) => PngImages.EncodeStrip(frames, shape);
}
