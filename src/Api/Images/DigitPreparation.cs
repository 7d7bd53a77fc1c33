using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Autoencoder.Api.Images;

/// <summary>
/// The "mnist-digit" image handling: a photo or drawing of a digit made to look like an MNIST digit, as
/// <c>width * height</c> floats in [0, 1], row-major, white ink (1) on a black background (0).
/// </summary>
/// <remarks>
/// <para>Step by step:</para>
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
/// <item><description>Edges: on each side, walking inwards from the crop's edge, where the brightest pixel of each
/// column (or row) first reaches half of the brightest within what becomes one pixel of the field. A blurred or
/// enlarged stroke's faint fringe reaches past the sharp edge it came from, and half its peak is where that edge was;
/// MNIST's 20-pixel box was the sharp digit's.</description></item>
/// <item><description>Scale the ink, keeping its aspect ratio, until the longer side between its edges fills a box
/// of 20/28 of the field (20x20 in 28x28), as in MNIST, the fringe outside the edges kept in whole pixels of margin so
/// that the edges fall on pixel boundaries: Lanczos-3 resampling to shrink, bicubic to enlarge. Ink whose margins would
/// not fit the field is scaled by its crop instead.</description></item>
/// <item><description>Saturate: scale the ink so that its brightest 10% (of the pixels above
/// 5%) is full white, as the cores of MNIST's strokes are; ink that already is stays as it is.</description></item>
/// <item><description>Centre: place the ink in the field so that its centre of mass
/// (intensity-weighted, taken before scaling and saturating) lies on the field's centre pixel, (14, 14) in 28x28, to
/// the nearest whole pixel and never pushing ink off the field, as LeCun et al. centred the MNIST
/// digits.</description></item>
/// <item><description>Divide by 255.</description></item>
/// </list>
/// </remarks>
public static class DigitPreparation
{
    // MNIST's digits were scaled into a 20x20 box and then centred in a 28x28 field.
    private const double InkBoxFraction = 20.0 / 28.0;

    // Fainter than about 5% of full ink is anti-aliasing or paper noise, not the extent of the stroke; measured with
    // bench/photos.sh against 0%, 2%, 5% and 10% (docs/photos.md).
    private const int InkThreshold = 13;

    // The cores of MNIST's strokes are saturated: 36% of its ink (pixels above 5%) is 250 or more (3,000 t10k digits;
    // 10th to 90th percentile 21% to 52%). A stroke thinner than MNIST's pen comes out of the shrink to 20 pixels fainter
    // as well as thinner, and the model reads it worse: making the brightest 10% of the scaled ink full white restores
    // such strokes (a 10x digit eroded by 2 pixels, t10k 0-29: 1.82x the model's own error with none, 1.56x) at a small
    // cost to digits with MNIST's own stroke (1.07x to 1.10x); 20% helps thin pens a little more (1.52x) and costs the
    // rest more (1.17x; t10k 5000-5029 enlarged plainly: 1.77x, 1.80x, 1.85x). bench/photos.sh, docs/photos.md.
    private const double SaturatedInkFraction = 0.1;

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

    /// <summary>The model input for <paramref name="image"/>, made MNIST-like as the type's remarks say.</summary>
    /// <param name="image">The decoded image; it is read, not changed.</param>
    /// <param name="width">The model's input width (28 for MNIST).</param>
    /// <param name="height">The model's input height (28 for MNIST).</param>
    public static float[] ToModelInput(Image<Rgba32> image, int width, int height) => ToModelInput(image, width, height, Choices.Measured);

    /// <summary>As <see cref="ToModelInput(Image{Rgba32}, int, int)"/> with other choices, for measuring them.</summary>
    internal static float[] ToModelInput(Image<Rgba32> image, int width, int height, Choices choices)
    {
        if (GrayImages.Levelled(image, width, height, out var asIs) is not { } gray)
        {
            return PixelValues.ToUnit(asIs.Pixels);
        }

        if (gray.InkBounds(choices.InkThreshold) is not { } inkBounds)
        {
            return new float[width * height];
        }

        var cropped = gray.Crop(inkBounds);
        if (choices.StretchInkToFull)
        {
            cropped.StretchToFull();
        }

        var configuration = image.GetConfiguration();
        var (ink, source) = choices.HalfPeakEdges && FitEdgesIntoBox(cropped, InkEdges(cropped, width, height), configuration, width, height, choices) is { } fitted
            ? fitted
            : (GrayImages.ScaleIntoBox(cropped, configuration, width, height, InkBoxFraction, choices.Shrink, choices.Enlarge), cropped);

        // Scaling and saturating each move the centre of mass a little (ringing clipped at black, the brightest ink
        // clipped at white); a digit whose centre lies near half a pixel then rounds the other way from MNIST's own.
        (double X, double Y)? centre = null;
        if (choices.CentreBeforeScaling)
        {
            var (x, y) = source.CentreOfMass();
            centre = (((x + 0.5) * ink.Width / source.Width) - 0.5, ((y + 0.5) * ink.Height / source.Height) - 0.5);
        }

        if (choices.SaturatedInkFraction > 0)
        {
            ink.SaturateInk(choices.SaturatedInkFraction, choices.InkThreshold);
        }

        return PixelValues.ToUnit(GrayImages.PlaceByCentreOfMass(ink, width, height, centre).Pixels);
    }

    /// <summary>The ink's edges, found within what becomes one pixel of the field from the outermost ink.</summary>
    private static Rectangle InkEdges(GrayImage ink, int width, int height)
    {
        // A peak further in is another stroke or the middle of this one; nearer, the enlargement's fringe is all there is.
        var sourcePixelsPerFieldPixel = Math.Max((double)ink.Width / BoxSide(width), (double)ink.Height / BoxSide(height));
        return ink.HalfPeakBounds(Math.Max(1, (int)Math.Round(sourcePixelsPerFieldPixel, MidpointRounding.AwayFromZero)));
    }

    private static int BoxSide(int fieldSide) => Math.Max(1, (int)Math.Round(fieldSide * InkBoxFraction, MidpointRounding.AwayFromZero));

    /// <summary>
    /// The ink scaled so that <paramref name="edges"/> fill the box, with whole pixels of margin for what lies outside
    /// them, and the unscaled ink it was made from; null if the margins would not fit the field.
    /// </summary>
    private static (GrayImage Ink, GrayImage Source)? FitEdgesIntoBox(GrayImage ink, Rectangle edges, Configuration configuration, int width, int height, Choices choices)
    {
        var scale = Math.Min((double)BoxSide(width) / edges.Width, (double)BoxSide(height) / edges.Height);

        // Margins of whole field pixels put the edges on pixel boundaries, where MNIST's box edges are.
        int Margin(int outside) => (int)Math.Round(Math.Ceiling((outside * scale) - 1e-9) / scale, MidpointRounding.AwayFromZero);
        var region = Rectangle.FromLTRB(
            edges.Left - Margin(edges.Left), edges.Top - Margin(edges.Top), edges.Right + Margin(ink.Width - edges.Right), edges.Bottom + Margin(ink.Height - edges.Bottom));
        var scaledWidth = (int)Math.Round(region.Width * scale, MidpointRounding.AwayFromZero);
        var scaledHeight = (int)Math.Round(region.Height * scale, MidpointRounding.AwayFromZero);
        if (scaledWidth is < 1 || scaledHeight is < 1 || scaledWidth > width || scaledHeight > height)
        {
            return null;
        }

        var source = ink.CropPadded(region);
        return (GrayImages.Resize(source, configuration, scaledWidth, scaledHeight, scale < 1 ? choices.Shrink : choices.Enlarge), source);
    }

    /// <summary>The choices of the steps above that were measured (docs/photos.md), and alternatives to measure.</summary>
    /// <param name="InkThreshold">Pixels brighter than this (0..255, after leveling) are ink for the crop.</param>
    /// <param name="Shrink">The resampler that shrinks the ink into its box.</param>
    /// <param name="Enlarge">The resampler that enlarges it.</param>
    /// <param name="StretchInkToFull">Whether the brightest ink is made full white (255), as in MNIST.</param>
    /// <param name="SaturatedInkFraction">The fraction of the scaled ink's pixels made full white (0: only the brightest).</param>
    /// <param name="HalfPeakEdges">Whether the box is fitted to the ink's half-peak edges rather than to the crop.</param>
    /// <param name="CentreBeforeScaling">Whether the centre of mass is taken before scaling and saturating.</param>
    internal sealed record Choices(int InkThreshold, IResampler Shrink, IResampler Enlarge, bool StretchInkToFull, double SaturatedInkFraction, bool HalfPeakEdges, bool CentreBeforeScaling)
    {
        public static Choices Measured { get; } = new(
            DigitPreparation.InkThreshold, KnownResamplers.Lanczos3, KnownResamplers.Bicubic, StretchInkToFull: true, DigitPreparation.SaturatedInkFraction, HalfPeakEdges: true, CentreBeforeScaling: true);

        /// <summary>The choices before the box was fitted to the half-peak edges, to compare against.</summary>
        public static Choices Before { get; } = Measured with { SaturatedInkFraction = 0.2, HalfPeakEdges = false, CentreBeforeScaling = false };
    }
}
