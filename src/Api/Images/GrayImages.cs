using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Autoencoder.Api.Images;

/// <summary>
/// The steps every image handling shares, on 8-bit gray pixels: an upload to gray, its background found and made black
/// with the ink light, the ink scaled into a box and placed in the model's field.
/// </summary>
internal static class GrayImages
{
    public const int MidGray = byte.MaxValue / 2;

    /// <summary>
    /// The upload in gray, composited onto white, with a light background inverted and its level subtracted so the
    /// ink is light on black; null when the image already has the model's size and a dark background, and so is taken
    /// as prepared (then <paramref name="asIs"/> is it, in gray).
    /// </summary>
    public static GrayImage? Levelled(Image<Rgba32> image, int width, int height, out GrayImage asIs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        var gray = FromImage(image, flattenOntoWhite: true);
        asIs = gray;
        var background = gray.MedianOfBorder();
        var isLightBackground = background > MidGray;
        if (image.Width == width && image.Height == height && !isLightBackground)
        {
            return null;
        }

        gray.MakeInkLightOnBlack(isLightBackground ? byte.MaxValue - background : background, invert: isLightBackground);
        return gray;
    }

    public static GrayImage FromImage(Image<Rgba32> image, bool flattenOntoWhite)
    {
        var gray = new GrayImage(image.Width, image.Height);
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var grayRow = gray.Pixels.AsSpan(y * gray.Width, gray.Width);
                for (var x = 0; x < row.Length; x++)
                {
                    grayRow[x] = Luminance(row[x], flattenOntoWhite);
                }
            }
        });
        return gray;
    }

    /// <summary>BT.601 luma in integer arithmetic, so equal R, G and B give back exactly that value.</summary>
    private static byte Luminance(Rgba32 pixel, bool flattenOntoWhite)
    {
        int red = pixel.R, green = pixel.G, blue = pixel.B;
        if (flattenOntoWhite && pixel.A < byte.MaxValue)
        {
            red = OverWhite(red, pixel.A);
            green = OverWhite(green, pixel.A);
            blue = OverWhite(blue, pixel.A);
        }

        return (byte)(((299 * red) + (587 * green) + (114 * blue) + 500) / 1000);
    }

    private static int OverWhite(int channel, int alpha) =>
        ((channel * alpha) + (byte.MaxValue * (byte.MaxValue - alpha)) + MidGray) / byte.MaxValue;

    /// <summary>Resizes the ink so its longer side fills a box of <paramref name="boxFraction"/> of the field (MNIST: 20/28), keeping its aspect ratio.</summary>
    public static GrayImage ScaleIntoBox(GrayImage ink, Configuration configuration, int fieldWidth, int fieldHeight, double boxFraction, IResampler shrink, IResampler enlarge)
    {
        var boxWidth = Math.Max(1, (int)Math.Round(fieldWidth * boxFraction, MidpointRounding.AwayFromZero));
        var boxHeight = Math.Max(1, (int)Math.Round(fieldHeight * boxFraction, MidpointRounding.AwayFromZero));
        var scale = Math.Min((double)boxWidth / ink.Width, (double)boxHeight / ink.Height);
        var scaledWidth = Math.Clamp((int)Math.Round(ink.Width * scale, MidpointRounding.AwayFromZero), 1, boxWidth);
        var scaledHeight = Math.Clamp((int)Math.Round(ink.Height * scale, MidpointRounding.AwayFromZero), 1, boxHeight);
        if (scaledWidth == ink.Width && scaledHeight == ink.Height)
        {
            return ink;
        }

        return Resize(ink, configuration, scaledWidth, scaledHeight, scale < 1 ? shrink : enlarge);
    }

    public static GrayImage Resize(GrayImage ink, Configuration configuration, int width, int height, IResampler resampler)
    {
        using var image = Image.LoadPixelData<L8>(configuration, ink.Pixels, ink.Width, ink.Height);
        image.Mutate(context => context.Resize(width, height, resampler));

        var scaled = new GrayImage(width, height);
        image.CopyPixelDataTo(scaled.Pixels);
        return scaled;
    }

    public static GrayImage PlaceByCentreOfMass(GrayImage ink, int fieldWidth, int fieldHeight, (double X, double Y)? centre = null)
    {
        var (centreX, centreY) = centre ?? ink.CentreOfMass();
        var left = ShiftToCentre(centreX, ink.Width, fieldWidth);
        var top = ShiftToCentre(centreY, ink.Height, fieldHeight);

        var field = new GrayImage(fieldWidth, fieldHeight);
        for (var y = 0; y < ink.Height; y++)
        {
            ink.Pixels.AsSpan(y * ink.Width, ink.Width).CopyTo(field.Pixels.AsSpan(((top + y) * fieldWidth) + left));
        }

        return field;
    }

    /// <summary>Where the ink's first column (or row) goes so its centre of mass lands on the field's centre.</summary>
    private static int ShiftToCentre(double inkCentre, int inkLength, int fieldLength)
    {
        // MNIST puts the centre of mass on pixel 14 of 28, i.e. at length / 2 in pixel indices
        // (measured over its test set: 14.00 with a spread of 0.29, the spread of whole-pixel shifts).
        var offset = (int)Math.Round((fieldLength / 2.0) - inkCentre, MidpointRounding.AwayFromZero);
        return Math.Clamp(offset, 0, fieldLength - inkLength);
    }
}

/// <summary>8-bit gray pixels, row-major; the preprocessing works on these rather than on ImageSharp images.</summary>
internal sealed class GrayImage(int width, int height)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public byte[] Pixels { get; } = new byte[width * height];

    public byte MedianOfBorder()
    {
        Span<int> histogram = stackalloc int[byte.MaxValue + 1];
        for (var x = 0; x < Width; x++)
        {
            histogram[Pixels[x]]++;
            histogram[Pixels[((Height - 1) * Width) + x]]++;
        }

        for (var y = 1; y < Height - 1; y++)
        {
            histogram[Pixels[y * Width]]++;
            histogram[Pixels[(y * Width) + Width - 1]]++;
        }

        // A one-pixel-wide or -high image counts some pixels twice: good enough for an estimate.
        var count = 2 * (Width + Math.Max(0, Height - 2));
        var seen = 0;
        for (var value = 0; value < histogram.Length; value++)
        {
            seen += histogram[value];
            if (2 * seen >= count)
            {
                return (byte)value;
            }
        }

        return byte.MaxValue;
    }

    /// <summary>Inverts if asked, then maps <paramref name="backgroundLevel"/> to black and stretches the rest over 0..255.</summary>
    public void MakeInkLightOnBlack(int backgroundLevel, bool invert)
    {
        var range = byte.MaxValue - backgroundLevel;
        for (var i = 0; i < Pixels.Length; i++)
        {
            var value = invert ? byte.MaxValue - Pixels[i] : Pixels[i];
            Pixels[i] = value <= backgroundLevel
                ? (byte)0
                : (byte)((((value - backgroundLevel) * byte.MaxValue) + (range / 2)) / range);
        }
    }

    /// <summary>Scales every pixel so the brightest becomes 255.</summary>
    public void StretchToFull()
    {
        var brightest = 0;
        foreach (var value in Pixels)
        {
            brightest = Math.Max(brightest, value);
        }

        if (brightest is 0 or byte.MaxValue)
        {
            return;
        }

        for (var i = 0; i < Pixels.Length; i++)
        {
            Pixels[i] = (byte)(((Pixels[i] * byte.MaxValue) + (brightest / 2)) / brightest);
        }
    }

    /// <summary>
    /// Scales the pixels so that the brightest <paramref name="fraction"/> of those above <paramref name="threshold"/>
    /// become full white, when they are not already; never darkens.
    /// </summary>
    public void SaturateInk(double fraction, int threshold)
    {
        Span<int> histogram = stackalloc int[byte.MaxValue + 1];
        var ink = 0;
        foreach (var value in Pixels)
        {
            if (value > threshold)
            {
                histogram[value]++;
                ink++;
            }
        }

        // The level below which 1 - fraction of the ink lies becomes white.
        var whitePoint = (int)byte.MaxValue;
        for (int level = byte.MaxValue, brighter = 0; level > threshold; level--)
        {
            brighter += histogram[level];
            if (brighter >= fraction * ink)
            {
                whitePoint = level;
                break;
            }
        }

        if (ink == 0 || whitePoint >= byte.MaxValue)
        {
            return;
        }

        for (var i = 0; i < Pixels.Length; i++)
        {
            Pixels[i] = (byte)Math.Min(byte.MaxValue, ((Pixels[i] * byte.MaxValue) + (whitePoint / 2)) / whitePoint);
        }
    }

    /// <summary>The smallest rectangle holding every pixel brighter than <paramref name="threshold"/>, or null if none is.</summary>
    public Rectangle? InkBounds(int threshold)
    {
        int left = Width, top = Height, right = -1, bottom = -1;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                if (Pixels[(y * Width) + x] > threshold)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        return right < 0 ? null : Rectangle.FromLTRB(left, top, right + 1, bottom + 1);
    }

    /// <summary>
    /// Where the ink's edges are: on each side, from the outermost ink inwards, the first place the brightest pixel of
    /// each column (or row) reaches half of the brightest within <paramref name="reach"/> pixels of the outermost ink.
    /// </summary>
    public Rectangle HalfPeakBounds(int reach)
    {
        var columns = new int[Width];
        var rows = new int[Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                int value = Pixels[(y * Width) + x];
                columns[x] = Math.Max(columns[x], value);
                rows[y] = Math.Max(rows[y], value);
            }
        }

        var left = HalfPeak(columns, 0, 1, reach);
        var right = HalfPeak(columns, Width - 1, -1, reach);
        var top = HalfPeak(rows, 0, 1, reach);
        var bottom = HalfPeak(rows, Height - 1, -1, reach);
        return left <= right && top <= bottom ? Rectangle.FromLTRB(left, top, right + 1, bottom + 1) : new Rectangle(0, 0, Width, Height);
    }

    private static int HalfPeak(int[] profile, int start, int step, int reach)
    {
        var peak = profile[start];
        for (var i = start; i >= 0 && i < profile.Length && Math.Abs(i - start) < reach; i += step)
        {
            peak = Math.Max(peak, profile[i]);
        }

        var edge = start;
        while (2 * profile[edge] < peak)
        {
            edge += step;
        }

        return edge;
    }

    /// <summary>The pixels inside <paramref name="bounds"/>, black where they reach past the image.</summary>
    public GrayImage CropPadded(Rectangle bounds)
    {
        var cropped = new GrayImage(bounds.Width, bounds.Height);
        var inside = Rectangle.Intersect(bounds, new Rectangle(0, 0, Width, Height));
        for (var y = inside.Top; y < inside.Bottom; y++)
        {
            Pixels.AsSpan((y * Width) + inside.Left, inside.Width).CopyTo(cropped.Pixels.AsSpan(((y - bounds.Top) * bounds.Width) + inside.Left - bounds.Left));
        }

        return cropped;
    }

    public GrayImage Crop(Rectangle bounds)
    {
        var cropped = new GrayImage(bounds.Width, bounds.Height);
        for (var y = 0; y < bounds.Height; y++)
        {
            Pixels.AsSpan(((bounds.Top + y) * Width) + bounds.Left, bounds.Width).CopyTo(cropped.Pixels.AsSpan(y * bounds.Width));
        }

        return cropped;
    }

    /// <summary>The intensity-weighted mean pixel position; the geometric centre if there is no ink.</summary>
    public (double X, double Y) CentreOfMass()
    {
        double mass = 0, sumX = 0, sumY = 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                double value = Pixels[(y * Width) + x];
                mass += value;
                sumX += value * x;
                sumY += value * y;
            }
        }

        return mass > 0 ? (sumX / mass, sumY / mass) : ((Width - 1) / 2.0, (Height - 1) / 2.0);
    }
}
