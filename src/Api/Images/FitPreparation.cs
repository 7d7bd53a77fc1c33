using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Autoencoder.Api.Images;

/// <summary>
/// The "fit" image handling: a picture of an object that fills its frame, as Fashion-MNIST's were made: gray, a light
/// background inverted, background level subtracted, cropped to the object (pixels above 5% of full), scaled keeping
/// its aspect ratio until its longer side fills the whole field, and centred. An image that already has the model's
/// size and a dark background passes through unchanged, as for digits.
/// </summary>
public static class FitPreparation
{
    // Objects fade out towards their edges (a light garment on white); 5% of full separates them from paper noise.
    private const int ObjectThreshold = byte.MaxValue / 20;

    /// <summary>The model input for <paramref name="image"/>: <c>width * height</c> floats in [0, 1], row-major.</summary>
    /// <param name="image">The decoded image; it is read, not changed.</param>
    /// <param name="width">The model's input width.</param>
    /// <param name="height">The model's input height.</param>
    public static float[] ToModelInput(Image<Rgba32> image, int width, int height)
    {
        if (GrayImages.Levelled(image, width, height, out var asIs) is not { } gray)
        {
            return PixelValues.ToUnit(asIs.Pixels);
        }

        if (gray.InkBounds(ObjectThreshold) is not { } bounds)
        {
            return new float[width * height];
        }

        var fitted = GrayImages.ScaleIntoBox(gray.Crop(bounds), image.GetConfiguration(), width, height, boxFraction: 1, KnownResamplers.Lanczos3, KnownResamplers.Bicubic);
        var field = new GrayImage(width, height);
        var (left, top) = ((width - fitted.Width) / 2, (height - fitted.Height) / 2);
        for (var y = 0; y < fitted.Height; y++)
        {
            fitted.Pixels.AsSpan(y * fitted.Width, fitted.Width).CopyTo(field.Pixels.AsSpan(((top + y) * width) + left));
        }

        return PixelValues.ToUnit(field.Pixels);
    }
}
