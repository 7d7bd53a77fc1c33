namespace Autoencoder.Api.Images;

/// <summary>An upload whose header <see cref="ImageDecoder.Inspect"/> accepted, the size it declares, and what decoding it takes.</summary>
public sealed class InspectedImage
{
    internal InspectedImage(ReadOnlyMemory<byte> bytes, int width, int height, bool isJpeg, int scaleDenominator, bool holdsWholeImageWhileDecoding)
    {
        Bytes = bytes;
        Width = width;
        Height = height;
        ScaleDenominator = scaleDenominator;
        HoldsWholeImageWhileDecoding = holdsWholeImageWhileDecoding;
        IsJpeg = isJpeg;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The width the header declares.</summary>
    public int Width { get; }

    /// <summary>The height the header declares.</summary>
    public int Height { get; }

    /// <summary>The pixels the header declares.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>1 for the whole image; 2, 4 or 8 when a JPEG is decoded at that fraction of its width and height.</summary>
    public int ScaleDenominator { get; }

    /// <summary>The pixels the decoded image will have (a scaled JPEG's sides are rounded up, as libjpeg-turbo does).</summary>
    public long DecodedPixels => (long)Scaled(Width) * Scaled(Height);

    /// <summary>
    /// The decode's memory in pixels, for the decode budget: the decoded image, or the whole image for a decoder that
    /// holds all of it however small its output (a progressive JPEG's coefficients take about as much as RGBA pixels).
    /// </summary>
    public long PixelsToReserve => HoldsWholeImageWhileDecoding ? Pixels : DecodedPixels;

    internal bool IsJpeg { get; }

    private bool HoldsWholeImageWhileDecoding { get; }

    private int Scaled(int length) => (length + ScaleDenominator - 1) / ScaleDenominator;
}
