using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.Images;

/// <summary>
/// The largest image the service agrees to decode. Checked against the image header before any
/// pixel is decoded, so an oversized image costs the server nothing but the upload.
/// </summary>
/// <remarks>
/// The defaults hold a 16-megapixel photo (about 64 MB once decoded as RGBA) and refuse the
/// decompression bombs whose small files declare gigapixel canvases.
/// </remarks>
public sealed record ImageLimits
{
    /// <summary>Largest width times height, in pixels.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; init; } = 16_777_216;

    /// <summary>Largest width, in pixels.</summary>
    [Range(1, int.MaxValue)]
    public int MaxWidth { get; init; } = 16_384;

    /// <summary>Largest height, in pixels.</summary>
    [Range(1, int.MaxValue)]
    public int MaxHeight { get; init; } = 16_384;

    /// <summary>Whether an image of this size is within every limit.</summary>
    public bool Allow(int width, int height) =>
        width <= MaxWidth && height <= MaxHeight && (long)width * height <= MaxPixels;
}
