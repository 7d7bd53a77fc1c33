using Autoencoder.Core;
using SkiaSharp;

namespace Autoencoder.Training.Reports;

/// <summary>A labelled grid of small grayscale images, drawn with SkiaSharp and saved as PNG.</summary>
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

    /// <summary>Draws an image of [0,1] pixels (white ink on black, as the model sees it) into a cell, with a caption.</summary>
    public void Draw(int column, int row, ReadOnlySpan<float> pixels, int width, int height, string caption)
    {
        using var digit = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        PixelValues.ToBytes(pixels[..(width * height)], digit.GetPixelSpan());

        var left = Margin + (column * (cellSize + Margin));
        var top = Margin + (row * (cellSize + LabelHeight + Margin));
        using var image = SKImage.FromBitmap(digit);
        canvas.DrawImage(image, SKRect.Create(left, top, cellSize, cellSize), new SKSamplingOptions(SKFilterMode.Nearest));
        canvas.DrawText(caption, left + (cellSize / 2f), top + cellSize + LabelHeight - 5, SKTextAlign.Center, font, ink);
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
