namespace Autoencoder.Api.Images;

/// <summary>
/// An uploaded image the service will not work on, because of something the client can fix.
/// The message is written for the client: it becomes the <c>detail</c> of the problem response,
/// and <see cref="StatusCode"/> its status.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    /// <summary>Creates a rejection answered with <paramref name="statusCode"/> (400, 413 or 415).</summary>
    public ImageRejectedException(int statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        // Only client errors belong here; anything else would let a server fault pose as the client's.
        if (statusCode is not (StatusCodes.Status400BadRequest
            or StatusCodes.Status413PayloadTooLarge
            or StatusCodes.Status415UnsupportedMediaType))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "An image is rejected with 400, 413 or 415.");
        }

        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the problem response: 400, 413 or 415.</summary>
    public int StatusCode { get; }

    /// <summary>415: the bytes are not an image format the service reads.</summary>
    public static ImageRejectedException UnsupportedFormat(Exception? innerException = null) =>
        new(StatusCodes.Status415UnsupportedMediaType, "Unsupported image format: send PNG or JPEG.", innerException);

    /// <summary>415: an interlaced (Adam7) PNG, which the decoder cannot be trusted with (see <see cref="ImageDecoder"/>).</summary>
    public static ImageRejectedException InterlacedPng() =>
        new(StatusCodes.Status415UnsupportedMediaType,
            "Unsupported image encoding (interlaced PNG): save the PNG without interlacing, or send a JPEG.");

    /// <summary>400: the request carried no image bytes.</summary>
    public static ImageRejectedException Empty() =>
        new(StatusCodes.Status400BadRequest, "The image is empty: send the bytes of a PNG or JPEG file.");

    /// <summary>400: the format was recognised but the data cannot be decoded.</summary>
    public static ImageRejectedException Corrupt(string reason, Exception? innerException = null) =>
        new(StatusCodes.Status400BadRequest, $"The image data is corrupt or truncated: {reason}", innerException);

    /// <summary>413: the image is larger than <paramref name="limits"/> allow.</summary>
    public static ImageRejectedException TooLarge(int width, int height, ImageLimits limits)
    {
        // One example size that passes every limit, so the client knows what to scale to.
        var exampleSide = (int)Math.Min(Math.Floor(Math.Sqrt(limits.MaxPixels)), Math.Min(limits.MaxWidth, limits.MaxHeight));
        return new(StatusCodes.Status413PayloadTooLarge,
            $"The image is {width}x{height} pixels; the limit is {limits.MaxPixels} pixels (e.g. {exampleSide}x{exampleSide}), "
            + $"at most {limits.MaxWidth} wide and {limits.MaxHeight} high. Scale it down and send it again.");
    }

    /// <summary>400: with preprocessing off, the image must already have the model's input size.</summary>
    public static ImageRejectedException WrongSizeForRawInput(int width, int height, int requiredWidth, int requiredHeight) =>
        new(StatusCodes.Status400BadRequest,
            $"The image is {width}x{height} pixels, but preprocess=none requires exactly {requiredWidth}x{requiredHeight} "
            + "(the model's input size). Resize it, or let the service preprocess it.");
}
