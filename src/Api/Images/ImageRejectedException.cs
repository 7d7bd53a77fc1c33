using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Images;

/// <summary>
/// An uploaded image the service will not work on, because of something the client can fix. The message is written
/// for the client and becomes the error response's detail.
/// </summary>
public sealed class ImageRejectedException(InputFault fault, string message, Exception? innerException = null)
    : ClientInputException(fault, message, innerException)
{
    /// <summary>The bytes are not an image format the service reads.</summary>
    public static ImageRejectedException UnsupportedFormat(Exception? innerException = null) =>
        new(InputFault.UnsupportedFormat, "Unsupported image format: send PNG or JPEG.", innerException);

    /// <summary>An interlaced (Adam7) PNG, which the decoder cannot be trusted with (see <see cref="ImageDecoder"/>).</summary>
    public static ImageRejectedException InterlacedPng() =>
        new(InputFault.UnsupportedFormat,
            "Unsupported image encoding (interlaced PNG): save the PNG without interlacing, or send a JPEG.");

    /// <summary>The request carried no image bytes.</summary>
    public static ImageRejectedException Empty() =>
        new(InputFault.Invalid, "The image is empty: send the bytes of a PNG or JPEG file.");

    /// <summary>The format was recognised but the data cannot be decoded.</summary>
    public static ImageRejectedException Corrupt(string reason, Exception? innerException = null) =>
        new(InputFault.Invalid, $"The image data is corrupt or truncated: {reason}", innerException);

    /// <summary>The image is larger than <paramref name="limits"/> allow.</summary>
    public static ImageRejectedException TooLarge(int width, int height, ImageLimits limits)
    {
        // One example size that passes every limit, so the client knows what to scale to.
        var exampleSide = (int)Math.Min(Math.Floor(Math.Sqrt(limits.MaxPixels)), Math.Min(limits.MaxWidth, limits.MaxHeight));
        return new(InputFault.TooLarge,
            $"The image is {width}x{height} pixels; the limit is {limits.MaxPixels} pixels (e.g. {exampleSide}x{exampleSide}), "
            + $"at most {limits.MaxWidth} wide and {limits.MaxHeight} high. Scale it down and send it again.");
    }

    /// <summary>With preprocessing off, the image must already have the model's input size.</summary>
    public static ImageRejectedException WrongSizeForRawInput(int width, int height, int requiredWidth, int requiredHeight) =>
        new(InputFault.Invalid,
            $"The image is {width}x{height} pixels, but preprocess=none requires exactly {requiredWidth}x{requiredHeight} "
            + "(the model's input size). Resize it, or let the service preprocess it.");
}
