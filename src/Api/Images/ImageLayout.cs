using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>
/// What model.json's <c>image</c> says of a tensor's layout, as the service reads and writes it: gray (one plane) or
/// colour (three planes, in the order <see cref="ImageShape.ChannelOrder"/> names), each plane H x W row-major.
/// </summary>
public static class ImageLayout
{
    // The plane of a C x H x W tensor that holds red, green and blue, for each channel order the service reads.
    private static readonly Dictionary<string, int[]> PlanesByOrder = new(StringComparer.Ordinal)
    {
        [ImageShape.Rgb] = [0, 1, 2],
        [ImageShape.Bgr] = [2, 1, 0],
    };

    /// <summary>
    /// Why the service cannot serve images of this model's shape and handling, naming model.json's field, or null when
    /// it can: one channel (gray) or three (colour), in a channel order it knows, with an image handling made for them.
    /// </summary>
    public static string? Problem(ModelManifest manifest)
    {
        var image = manifest.Image;
        if (image.Height < 1 || image.Width < 1)
        {
            return $"image.height and image.width must be at least 1, not {image.Height} and {image.Width}";
        }

        return image.Channels switch
        {
            1 when image.ChannelOrder is not null =>
                $"image.channelOrder is '{image.ChannelOrder}', but a 1-channel (gray) image has no channel order; leave it out",
            1 => null,
            3 when image.ChannelOrder is { } order && !PlanesByOrder.ContainsKey(order) =>
                $"image.channelOrder must be one of {string.Join(", ", PlanesByOrder.Keys)} (default {ImageShape.Rgb}), not '{order}'",
            3 when manifest.ImageHandling == ImageHandling.MnistDigit =>
                $"imageHandling '{ImageHandling.MnistDigit.Name()}' prepares gray digits and image.channels is 3; a colour model's imageHandling is '{ImageHandling.Fit.Name()}' or '{ImageHandling.None.Name()}'",
            3 => null,
            _ => $"image.channels is {image.Channels}; the service serves images of 1 channel (gray) or 3 (colour)",
        };
    }

    /// <summary>The planes of a colour tensor that hold red, green and blue, in that order.</summary>
    public static ReadOnlySpan<int> ColourPlanes(ImageShape shape) => PlanesByOrder[shape.ChannelOrder ?? ImageShape.Rgb];

    /// <summary>
    /// Row <paramref name="y"/> of one C x H x W image of [0,1] values as 8-bit samples, interleaved as a PNG row holds
    /// them: gray, or red, green and blue for each pixel whatever the planes' order.
    /// </summary>
    public static void RowToBytes(ReadOnlySpan<float> image, ImageShape shape, int y, Span<byte> row)
    {
        var (width, plane) = (shape.Width, shape.PlaneSize);
        if (!shape.IsColour)
        {
            PixelValues.ToBytes(image.Slice(y * width, width), row);
            return;
        }

        var planes = ColourPlanes(shape);
        for (var component = 0; component < 3; component++)
        {
            var source = image.Slice((planes[component] * plane) + (y * width), width);
            for (var x = 0; x < width; x++)
            {
                row[(3 * x) + component] = PixelValues.ToByte(source[x]);
            }
        }
    }
}
