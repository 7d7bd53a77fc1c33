using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Images;

/// <summary>
/// The "none" image handling (and ?preprocess=none): the image must already be exactly the model's size; each pixel
/// becomes its luminance / 255 (alpha ignored), with no inversion or anything else.
/// </summary>
public static class ExactInput
{
    /// <exception cref="ImageRejectedException">400 when the image is not exactly the model's size.</exception>
    public static float[] ToModelInput(Image<Rgba32> image, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return image.Width == width && image.Height == height
            ? PixelValues.ToUnit(GrayImages.FromImage(image, flattenOntoWhite: false).Pixels)
            : throw ImageRejectedException.WrongSizeForRawInput(image.Width, image.Height, width, height);
    }
}
