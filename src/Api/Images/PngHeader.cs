using System.Buffers.Binary;
using Autoencoder.Core;

namespace Autoencoder.Api.Images;

/// <summary>What a stored PNG's header (IHDR) says of its size and colour, checked against a model's image shape.</summary>
public static class PngHeader
{
    private const byte GrayColourType = 0;
    private const byte RgbColourType = 2;

    /// <summary>
    /// Why <paramref name="base64"/> is not an 8-bit PNG of <paramref name="shape"/> (gray for one channel, RGB for
    /// three), or null when it is.
    /// </summary>
    public static string? Problem(string base64, ImageShape shape)
    {
        var bytes = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length < 33 || !bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            return "is not a base64-encoded PNG";
        }

        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        var (bitDepth, colourType) = (bytes[24], bytes[25]);
        var wanted = shape.IsColour ? RgbColourType : GrayColourType;
        return width == shape.Width && height == shape.Height && bitDepth == 8 && colourType == wanted
            ? null
            : $"is a {width}x{height} PNG of colour type {colourType} and bit depth {bitDepth}, but image in model.json asks for an 8-bit {(shape.IsColour ? "RGB (colour type 2)" : "gray (colour type 0)")} PNG of {shape.Width}x{shape.Height}";
    }
}
