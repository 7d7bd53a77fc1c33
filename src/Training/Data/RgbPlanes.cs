using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Data;

/// <summary>A colour image as the models hold it: red, green and blue planes, each row-major, one after another.</summary>
internal static class RgbPlanes
{
    /// <summary>A <paramref name="width"/> x <paramref name="height"/> picture of <paramref name="planes"/> (3 x width x height bytes), for an encoder to write.</summary>
    public static Image<Rgb24> ToImage(ReadOnlySpan<byte> planes, int width, int height)
    {
        var plane = width * height;
        if (planes.Length != 3 * plane)
        {
            throw new ArgumentException($"a {width}x{height} colour image has {3 * plane} plane bytes, not {planes.Length}", nameof(planes));
        }

        var image = new Image<Rgb24>(width, height);
        for (var at = 0; at < plane; at++)
        {
            image[at % width, at / width] = new Rgb24(planes[at], planes[plane + at], planes[(2 * plane) + at]);
        }

        return image;
    }
}
