using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Autoencoder.Api.Images;

/// <summary>
/// Turns a decoded image into what an MNIST model reads: <c>width * height</c> floats in [0, 1],
/// row-major, white ink (1) on a black background (0).
/// </summary>
/// <remarks>
/// <para>With preprocessing (the default) a photo or drawing of a digit is made to look like an
/// MNIST digit, step by step:</para>
/// <list type="number">
/// <item><description>Gray: the image is composited onto a white background (so dark ink on a
/// transparent canvas works), then each pixel becomes its luminance
/// (0.299 R + 0.587 G + 0.114 B, ITU-R BT.601), rounded to 8 bits.</description></item>
/// <item><description>Background: the median of the border pixels. A light background (above
/// mid-gray) means dark ink on paper, so the image is inverted to light ink on
/// black.</description></item>
/// <item><description>Pass-through: an image that already has the model's size and a dark
/// background is taken as prepared and returned as gray / 255, unchanged (no crop, resize or
/// shift), so an MNIST test digit sent as an 8-bit grayscale PNG reaches the model exactly as
/// in the data set.</description></item>
/// <item><description>Level: the background's gray level is subtracted and the rest stretched
/// back to 0..255, so gray paper becomes black.</description></item>
/// <item><description>Crop to the bounding box of the ink: the pixels brighter than 5% of full
/// ink. An image without ink gives all zeros. The crop is stretched so its brightest pixel is
/// full white, as MNIST's digits are.</description></item>
/// <item><description>Scale the ink, keeping its aspect ratio, until its longer side fills a box
/// of 20/28 of the field (20x20 in 28x28), as in MNIST: Lanczos-3 resampling to shrink, bicubic
/// to enlarge.</description></item>
/// <item><description>Saturate: scale the ink so that its brightest 20% (of the pixels above
/// 5%) is full white, as the cores of MNIST's strokes are; ink that already is stays as it is.</description></item>
/// <item><description>Centre: place the ink in the field so that its centre of mass
/// (intensity-weighted) lies on the field's centre pixel, (14, 14) in 28x28, to the nearest
/// whole pixel and never pushing ink off the field, as LeCun et al. centred the MNIST
/// digits.</description></item>
/// <item><description>Divide by 255.</description></item>
/// </list>
/// <para>Without preprocessing the image must already be exactly the model's size; each pixel
/// becomes its luminance / 255 (alpha ignored), with no inversion or anything else.</para>
/// </remarks>
public static class MnistPreprocessor
{
    // MNIST's digits were scaled into a 20x20 box and then centred in a 28x28 field.
    private const double InkBoxFraction = 20.0 / 28.0;

    // Fainter than about 5% of full ink is anti-aliasing or paper noise, not the extent of the stroke; measured with
    // bench/photos.sh against 0%, 2%, 5% and 10% (see the README).
    private const int InkThreshold = 13;

    private const int MidGray = byte.MaxValue / 2;

    // The cores of MNIST's strokes are saturated: 36% of its ink (pixels above 5%) is 250 or more (3,000 t10k digits;
    // 10th to 90th percentile 21% to 52%). A stroke thinner than MNIST's pen comes out of the shrink to 20 pixels fainter
    // as well as thinner, and the model reads it worse. Making the brightest 20% of the scaled ink full white restores
    // such strokes (a 10x digit eroded by 2 pixels: 2.22x the model's own error before, 1.59x after) and leaves digits
    // with MNIST's own stroke as they were; 36% thickened those (1.57x to 1.89x). bench/photos.sh, README.
    private const double SaturatedInkFraction = 0.2;

    // Objects fade out towards their edges (a light garment on white); 5% of full separates them from paper noise.
    private const int ObjectThreshold = byte.MaxValue / 20;

    // The ink is scaled into a box of 20/28 of the field; an image eight fields across leaves even ink a quarter of
    // its width enough pixels (56 for 28x28) to be shrunk rather than enlarged.
    private const int UsefulSourceInFields = 8;

    /// <summary>
    /// The smallest image the preprocessing does as well with as with any larger one: a decoder may scale a larger
    /// upload down to this (see <see cref="ImageDecoder.Inspect"/>).
    /// </summary>
    /// <param name="width">The model's input width.</param>
    /// <param name="height">The model's input height.</param>
    public static Size SmallestUsefulSource(int width, int height) => new(width * UsefulSourceInFields, height * UsefulSourceInFields);

    /// <summary>
    /// The model input for <paramref name="image"/>: <c>width * height</c> floats in [0, 1], row-major,
    /// white ink on black. See the type's remarks for what <paramref name="preprocess"/> does.
    /// </summary>
    /// <param name="image">The decoded image; it is read, not changed.</param>
    /// <param name="width">The model's input width (28 for MNIST).</param>
    /// <param name="height">The model's input height (28 for MNIST).</param>
    /// <param name="preprocess">Whether to make the image MNIST-like first; without it the image must already be <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <exception cref="ImageRejectedException">400 when <paramref name="preprocess"/> is off and the image is not exactly the model's size.</exception>
    public static float[] ToModelInput(Image<Rgba32> image, int width, int height, bool preprocess) =>
        ToModelInput(image, width, height, preprocess, Choices.Measured);

    /// <summary>As <see cref="ToModelInput(Image{Rgba32}, int, int, bool)"/> with other choices, for measuring them.</summary>
    internal static float[] ToModelInput(Image<Rgba32> image, int width, int height, bool preprocess, Choices choices)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        var isModelSized = image.Width == width && image.Height == height;
        if (!preprocess)
        {
            if (!isModelSized)
            {
                throw ImageRejectedException.WrongSizeForRawInput(image.Width, image.Height, width, height);
            }

            return Normalise(ToGray(image, flattenOntoWhite: false).Pixels);
        }

        var gray = ToGray(image, flattenOntoWhite: true);
        var background = gray.MedianOfBorder();
        var isLightBackground = background > MidGray;
        if (isModelSized && !isLightBackground)
        {
            return Normalise(gray.Pixels);
        }

        gray.MakeInkLightOnBlack(isLightBackground ? byte.MaxValue - background : background, invert: isLightBackground);
        if (gray.InkBounds(choices.InkThreshold) is not { } inkBounds)
        {
            return new float[width * height];
        }

        var cropped = gray.Crop(inkBounds);
        if (choices.StretchInkToFull)
        {
            cropped.StretchToFull();
        }

        var ink = ScaleIntoBox(cropped, image.GetConfiguration(), width, height, InkBoxFraction, choices);
        if (choices.SaturatedInkFraction > 0)
        {
            ink.SaturateInk(choices.SaturatedInkFraction, choices.InkThreshold);
        }

        return Normalise(PlaceByCentreOfMass(ink, width, height).Pixels);
    }

    /// <summary>
    /// The model input for a picture of an object that fills its frame, as Fashion-MNIST's were made: gray, a light
    /// background inverted, background level subtracted, cropped to the object (pixels above 5% of full), scaled
    /// keeping its aspect ratio until its longer side fills the whole field, and centred. An image that already has
    /// the model's size and a dark background passes through unchanged, as for digits.
    /// </summary>
    /// <param name="image">The decoded image; it is read, not changed.</param>
    /// <param name="width">The model's input width.</param>
    /// <param name="height">The model's input height.</param>
    public static float[] FitToFrame(Image<Rgba32> image, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        var gray = ToGray(image, flattenOntoWhite: true);
        var background = gray.MedianOfBorder();
        var isLightBackground = background > MidGray;
        if (image.Width == width && image.Height == height && !isLightBackground)
        {
            return Normalise(gray.Pixels);
        }

        gray.MakeInkLightOnBlack(isLightBackground ? byte.MaxValue - background : background, invert: isLightBackground);
        if (gray.InkBounds(ObjectThreshold) is not { } bounds)
        {
            return new float[width * height];
        }

        var fitted = ScaleIntoBox(gray.Crop(bounds), image.GetConfiguration(), width, height, boxFraction: 1, Choices.Measured);
        var field = new GrayImage(width, height);
        var (left, top) = ((width - fitted.Width) / 2, (height - fitted.Height) / 2);
        for (var y = 0; y < fitted.Height; y++)
        {
            fitted.Pixels.AsSpan(y * fitted.Width, fitted.Width).CopyTo(field.Pixels.AsSpan(((top + y) * width) + left));
        }

        return Normalise(field.Pixels);
    }

    private static GrayImage ToGray(Image<Rgba32> image, bool flattenOntoWhite)
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
    private static GrayImage ScaleIntoBox(GrayImage ink, Configuration configuration, int fieldWidth, int fieldHeight, double boxFraction, Choices choices)
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

        var resampler = scale < 1 ? choices.Shrink : choices.Enlarge;
        using var image = Image.LoadPixelData<L8>(configuration, ink.Pixels, ink.Width, ink.Height);
        image.Mutate(context => context.Resize(scaledWidth, scaledHeight, resampler));

        var scaled = new GrayImage(scaledWidth, scaledHeight);
        image.CopyPixelDataTo(scaled.Pixels);
        return scaled;
    }

    private static GrayImage PlaceByCentreOfMass(GrayImage ink, int fieldWidth, int fieldHeight)
    {
        var (centreX, centreY) = ink.CentreOfMass();
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

    private static float[] Normalise(byte[] pixels) => PixelValues.ToUnit(pixels);

    /// <summary>The choices of the steps above that were measured (see the README), and alternatives to measure.</summary>
    /// <param name="InkThreshold">Pixels brighter than this (0..255, after leveling) are ink for the crop.</param>
    /// <param name="Shrink">The resampler that shrinks the ink into its box.</param>
    /// <param name="Enlarge">The resampler that enlarges it.</param>
    /// <param name="StretchInkToFull">Whether the brightest ink is made full white (255), as in MNIST.</param>
    /// <param name="SaturatedInkFraction">The fraction of the scaled ink's pixels made full white (0: only the brightest).</param>
    internal sealed record Choices(int InkThreshold, IResampler Shrink, IResampler Enlarge, bool StretchInkToFull, double SaturatedInkFraction)
    {
        public static Choices Measured { get; } = new(MnistPreprocessor.InkThreshold, KnownResamplers.Lanczos3, KnownResamplers.Bicubic, StretchInkToFull: true, MnistPreprocessor.SaturatedInkFraction);

        /// <summary>The choices before the ink was saturated as MNIST's is, to compare against.</summary>
        public static Choices Before { get; } = Measured with { SaturatedInkFraction = 0 };
    }

    /// <summary>8-bit gray pixels, row-major; the preprocessing works on these rather than on ImageSharp images.</summary>
    private sealed class GrayImage(int width, int height)
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
}
