using Autoencoder.Core;
using SkiaSharp;

namespace Autoencoder.Training.Reports;

/// <summary>A labelled grid of small gray or colour images, drawn with SkiaSharp and saved as PNG.</summary>
internal sealed class DigitSheet : IDisposable
{
    private const int Margin = 8;
    private const int LabelHeight = 18;

    private readonly SKBitmap bitmap;
    private readonly SKCanvas canvas;
    private readonly SKFont font;
    private readonly SKPaint ink = new() { Color = SKColors.Black, IsAntialias = true };
    private readonly int cellSize;

    public DigitSheet(int columns, int rows, int cellSize)
    {
        this.cellSize = cellSize;
        bitmap = new SKBitmap(
            Margin + (columns * (cellSize + Margin)),
            Margin + (rows * (cellSize + LabelHeight + Margin)));
        canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        font = new SKFont(SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default, 12);
    }

    /// <summary>
    /// Draws an image of [0,1] pixels as the model sees it (gray: white ink on black; colour: red, green and blue planes)
    /// into a cell, with a caption.
    /// </summary>
    public void Draw(int column, int row, ReadOnlySpan<float> pixels, int width, int height, string caption, int channels = 1)
    {
        using var digit = channels == 1
            ? new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque))
            : new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        if (channels == 1)
        {
            PixelValues.ToBytes(pixels[..(width * height)], digit.GetPixelSpan());
        }
        else
        {
            Interleave(pixels, width * height, digit.GetPixelSpan());
        }

        var left = Margin + (column * (cellSize + Margin));
        var top = Margin + (row * (cellSize + LabelHeight + Margin));
        using var image = SKImage.FromBitmap(digit);
        canvas.DrawImage(image, SKRect.Create(left, top, cellSize, cellSize), new SKSamplingOptions(SKFilterMode.Nearest));
        canvas.DrawText(caption, left + (cellSize / 2f), top + cellSize + LabelHeight - 5, SKTextAlign.Center, font, ink);
    }

    /// <summary>Red, green and blue planes as RGBA bytes, opaque.</summary>
    private static void Interleave(ReadOnlySpan<float> planes, int planeSize, Span<byte> rgba)
    {
        for (var i = 0; i < planeSize; i++)
        {
            rgba[4 * i] = PixelValues.ToByte(planes[i]);
            rgba[(4 * i) + 1] = PixelValues.ToByte(planes[planeSize + i]);
            rgba[(4 * i) + 2] = PixelValues.ToByte(planes[(2 * planeSize) + i]);
            rgba[(4 * i) + 3] = byte.MaxValue;
        }
    }

    public void Save(string path)
    {
        canvas.Flush();
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    public void Dispose()
    {
        ink.Dispose();
        font.Dispose();
        canvas.Dispose();
        bitmap.Dispose();
    }
}
