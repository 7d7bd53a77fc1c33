using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Images;

/// <summary>
/// Where a reconstruction differs from its input, for a person to look at: one RGB PNG of three panels, the input,
/// the reconstruction and the absolute per-pixel error in a black-red-yellow-white colour map (0 black, 1 white, on
/// the same scale for every image, so pictures can be compared). For a colour image the error is the mean of its
/// channels' errors, and the third panel lays that colour map over the input darkened to half, as opaque as the error
/// is large (fully from a third up), so it shows where the picture differs. Panels are enlarged with whole pixels to at
/// least <see cref="MinimumPanelSide"/> pixels, so that a 28x28 digit is not a speck.
/// </summary>
public static class HeatMap
{
    public const int MinimumPanelSide = 112;

    /// <summary>White pixels between the panels of one heat map.</summary>
    private const int Gap = 4;

    /// <summary>White pixels between the heat maps of a grid.</summary>
    public const int TileGap = 12;

    public static byte[] Encode(ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction, ImageShape shape) =>
        EncodeGrid(input, reconstruction, 1, shape);

    /// <summary>
    /// The heat maps of <paramref name="count"/> images ([count, C, H, W] each) as one PNG grid, left
    /// to right, top to bottom, <see cref="TileGap"/> white pixels apart, each tile exactly the image's own heat map.
    /// Tiles are about three times as wide as high, so <see cref="GridColumns"/> makes the grid about square.
    /// </summary>
    public static byte[] EncodeGrid(ReadOnlySpan<float> inputs, ReadOnlySpan<float> reconstructions, int count, ImageShape shape)
    {
        var (width, height) = (shape.Width, shape.Height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNotEqual(inputs.Length, count * shape.PixelCount);
        ArgumentOutOfRangeException.ThrowIfNotEqual(reconstructions.Length, count * shape.PixelCount);
        var (tileWidth, tileHeight) = TileSize(width, height);
        var columns = GridColumns(count);
        var rows = (count + columns - 1) / columns;
        using var image = new Image<Rgb24>(
            checked((columns * tileWidth) + ((columns - 1) * TileGap)), checked((rows * tileHeight) + ((rows - 1) * TileGap)), new Rgb24(255, 255, 255));
        var inputPixels = inputs.ToArray();
        var reconstructionPixels = reconstructions.ToArray();
        var pixels = shape.PixelCount;
        image.ProcessPixelRows(rowAccess =>
        {
            for (var tile = 0; tile < count; tile++)
            {
                var (row, column) = Math.DivRem(tile, columns);
                DrawTile(
                    rowAccess,
                    column * (tileWidth + TileGap),
                    row * (tileHeight + TileGap),
                    inputPixels.AsSpan(tile * pixels, pixels),
                    reconstructionPixels.AsSpan(tile * pixels, pixels),
                    shape);
            }
        });

        using var png = new MemoryStream();
        image.Save(png, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }

    /// <summary>Columns of a grid of <paramref name="count"/> heat maps: ceil(sqrt(count / 3)), for a grid about as wide as high.</summary>
    public static int GridColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count / 3.0)));

    /// <summary>One heat map's size: three panels of the image enlarged <see cref="Zoom"/> times, <see cref="Gap"/> apart.</summary>
    public static (int Width, int Height) TileSize(int width, int height)
    {
        var zoom = Zoom(width, height);
        return ((3 * width * zoom) + (2 * Gap), height * zoom);
    }

    /// <summary>The whole-pixel enlargement that makes the shorter side at least <see cref="MinimumPanelSide"/>.</summary>
    private static int Zoom(int width, int height) => Math.Max(1, (MinimumPanelSide + Math.Min(width, height) - 1) / Math.Min(width, height));

    private static void DrawTile(PixelAccessor<Rgb24> rows, int left, int top, ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction, ImageShape shape)
    {
        var (width, height) = (shape.Width, shape.Height);
        var zoom = Zoom(width, height);
        var (panelWidth, panelHeight) = (width * zoom, height * zoom);
        for (var y = 0; y < panelHeight; y++)
        {
            var row = rows.GetRowSpan(top + y).Slice(left);
            var sourceRow = y / zoom * width;
            for (var x = 0; x < panelWidth; x++)
            {
                var i = sourceRow + (x / zoom);
                if (!shape.IsColour)
                {
                    row[x] = Gray(input[i]);
                    row[panelWidth + Gap + x] = Gray(reconstruction[i]);
                    row[(2 * (panelWidth + Gap)) + x] = Heat(Math.Abs(reconstruction[i] - input[i]));
                    continue;
                }

                var original = Colour(input, shape, i);
                row[x] = original;
                row[panelWidth + Gap + x] = Colour(reconstruction, shape, i);
                row[(2 * (panelWidth + Gap)) + x] = Over(original, MeanError(input, reconstruction, shape, i));
            }
        }
    }

    private static Rgb24 Gray(float value)
    {
        var level = Level(value);
        return new Rgb24(level, level, level);
    }

    /// <summary>Pixel <paramref name="i"/> of a colour image's planes.</summary>
    private static Rgb24 Colour(ReadOnlySpan<float> image, ImageShape shape, int i)
    {
        var planes = ImageLayout.ColourPlanes(shape);
        var plane = shape.PlaneSize;
        return new Rgb24(Level(image[(planes[0] * plane) + i]), Level(image[(planes[1] * plane) + i]), Level(image[(planes[2] * plane) + i]));
    }

    private static float MeanError(ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction, ImageShape shape, int i)
    {
        var sum = 0f;
        for (var channel = 0; channel < shape.Channels; channel++)
        {
            var at = (channel * shape.PlaneSize) + i;
            sum += Math.Abs(reconstruction[at] - input[at]);
        }

        return sum / shape.Channels;
    }

    /// <summary>The error's colour over the picture darkened to half, as opaque as the error is large (fully from a third up).</summary>
    private static Rgb24 Over(Rgb24 picture, float error)
    {
        var heat = Heat(error);
        var opacity = Math.Clamp(float.IsNaN(error) ? 1f : error * 3f, 0f, 1f);
        static byte Blend(byte under, byte over, float opacity) =>
            (byte)MathF.Round(((1 - opacity) * under / 2f) + (opacity * over), MidpointRounding.AwayFromZero);
        return new Rgb24(Blend(picture.R, heat.R, opacity), Blend(picture.G, heat.G, opacity), Blend(picture.B, heat.B, opacity));
    }

    /// <summary>Black to red over the first third, red to yellow over the second, yellow to white over the last.</summary>
    private static Rgb24 Heat(float value)
    {
        var scaled = Math.Clamp(float.IsNaN(value) ? 1f : value, 0f, 1f) * 3f;
        return scaled switch
        {
            < 1f => new Rgb24(Level(scaled), 0, 0),
            < 2f => new Rgb24(255, Level(scaled - 1f), 0),
            _ => new Rgb24(255, 255, Level(scaled - 2f)),
        };
    }

    private static byte Level(float value) => PixelValues.ToByte(value);
}
