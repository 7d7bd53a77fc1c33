namespace Autoencoder.Api.Images;

/// <summary>An upload whose header <see cref="ImageDecoder.Inspect"/> accepted, and the size it declares.</summary>
public sealed class InspectedImage
{
    internal InspectedImage(ReadOnlyMemory<byte> bytes, int width, int height)
    {
        Bytes = bytes;
        Width = width;
        Height = height;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public int Width { get; }

    public int Height { get; }

    public long Pixels => (long)Width * Height;
}
