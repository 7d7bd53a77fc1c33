using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Images;

/// <summary>
/// Where a reconstruction differs from its input, for a person to look at: one RGB PNG of three panels, the input,
/// the reconstruction and the absolute per-pixel error in a black-red-yellow-white colour map (0 black, 1 white, on
/// the same scale for every image, so pictures can be compared). Panels are enlarged with whole pixels to at least
/// <see cref="MinimumPanelSide"/> pixels, so that a 28x28 digit is not a speck.
/// </summary>
public static class HeatMap
{
    public const int MinimumPanelSide = 112;

    private const int Gap = 4;

    public static byte[] Encode(ReadOnlySpan<float> input, ReadOnlySpan<float> reconstruction, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(input.Length, width * height);
        ArgumentOutOfRangeException.ThrowIfNotEqual(reconstruction.Length, width * height);
        var zoom = Math.Max(1, (MinimumPanelSide + Math.Min(width, height) - 1) / Math.Min(width, height));
        var (panelWidth, panelHeight) = (width * zoom, height * zoom);
        using var image = new Image<Rgb24>((3 * panelWidth) + (2 * Gap), panelHeight, new Rgb24(255, 255, 255));
        var inputPixels = input.ToArray();
        var reconstructionPixels = reconstruction.ToArray();
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < panelHeight; y++)
            {
                var row = rows.GetRowSpan(y);
                var sourceRow = y / zoom * width;
                for (var x = 0; x < panelWidth; x++)
                {
                    var i = sourceRow + (x / zoom);
                    row[x] = Gray(inputPixels[i]);
                    row[panelWidth + Gap + x] = Gray(reconstructionPixels[i]);
                    row[(2 * (panelWidth + Gap)) + x] = Heat(Math.Abs(reconstructionPixels[i] - inputPixels[i]));
                }
            }
        });

        using var png = new MemoryStream();
        image.Save(png, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }

    private static Rgb24 Gray(float value)
    {
        var level = Level(value);
        return new Rgb24(level, level, level);
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

    private static byte Level(float value) => (byte)Math.Round(Math.Clamp(float.IsNaN(value) ? 0f : value, 0f, 1f) * 255f);
}
