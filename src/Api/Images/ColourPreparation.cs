using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Api.Images;

/// <summary>
/// A colour (3-channel) model's image handlings. Colour is kept: nothing is turned gray, inverted or levelled, since a
/// colour model's pictures mean their colours.
/// <list type="bullet">
/// <item><description>"fit": transparent parts composited over white (as for gray models), then the whole picture
/// scaled keeping its aspect ratio until its longer side fills the model's field (Lanczos-3 to shrink, bicubic to
/// enlarge), centred, the margins filled with the colour of the picture's border (each channel's median), so a
/// picture on a plain background continues into the margins. A picture that already has the model's size passes
/// through unchanged.</description></item>
/// <item><description>"none" (and ?preprocess=none): the picture must already have the model's size; alpha is ignored.</description></item>
/// </list>
/// Either way each channel's 8-bit value / 255 fills its plane of the C x H x W input, planes in the order model.json's
/// image.channelOrder names.
/// </summary>
public static class ColourPreparation
{
    /// <summary>The "fit" handling of a colour model (see <see cref="ColourPreparation"/>).</summary>
    public static float[] Fit(Image<Rgba32> image, ImageShape shape)
    {
        using var picture = image.CloneAs<Rgb24>();
        FlattenOntoWhite(image, picture);
        if (picture.Width == shape.Width && picture.Height == shape.Height)
        {
            return ToPlanes(picture, shape);
        }

        var background = MedianOfBorder(picture);
        var scale = Math.Min((double)shape.Width / picture.Width, (double)shape.Height / picture.Height);
        var scaledWidth = Math.Clamp((int)Math.Round(picture.Width * scale, MidpointRounding.AwayFromZero), 1, shape.Width);
        var scaledHeight = Math.Clamp((int)Math.Round(picture.Height * scale, MidpointRounding.AwayFromZero), 1, shape.Height);
        picture.Mutate(context => context.Resize(scaledWidth, scaledHeight, scale < 1 ? KnownResamplers.Lanczos3 : KnownResamplers.Bicubic));

        using var field = new Image<Rgb24>(picture.GetConfiguration(), shape.Width, shape.Height, background);
        var at = new Point((shape.Width - scaledWidth) / 2, (shape.Height - scaledHeight) / 2);
        field.Mutate(context => context.DrawImage(picture, at, 1f));
        return ToPlanes(field, shape);
    }

    /// <summary>The "none" handling of a colour model: the picture as it is, which must have the model's size.</summary>
    /// <exception cref="ImageRejectedException">400 when the image is not exactly the model's size.</exception>
    public static float[] Exact(Image<Rgba32> image, ImageShape shape)
    {
        if (image.Width != shape.Width || image.Height != shape.Height)
        {
            throw ImageRejectedException.WrongSizeForRawInput(image.Width, image.Height, shape.Width, shape.Height);
        }

        using var picture = image.CloneAs<Rgb24>();
        return ToPlanes(picture, shape);
    }

    /// <summary>The picture as C x H x W [0,1] values, planes in the model's channel order.</summary>
    private static float[] ToPlanes(Image<Rgb24> picture, ImageShape shape)
    {
        var input = new float[shape.PixelCount];
        var planes = ImageLayout.ColourPlanes(shape);
        var (red, green, blue) = (planes[0] * shape.PlaneSize, planes[1] * shape.PlaneSize, planes[2] * shape.PlaneSize);
        picture.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var start = y * shape.Width;
                for (var x = 0; x < row.Length; x++)
                {
                    input[red + start + x] = PixelValues.ToUnit(row[x].R);
                    input[green + start + x] = PixelValues.ToUnit(row[x].G);
                    input[blue + start + x] = PixelValues.ToUnit(row[x].B);
                }
            }
        });
        return input;
    }

    /// <summary>Each pixel of <paramref name="image"/> over white, into <paramref name="picture"/> (its copy without alpha).</summary>
    private static void FlattenOntoWhite(Image<Rgba32> image, Image<Rgb24> picture)
    {
        image.ProcessPixelRows(picture, (source, target) =>
        {
            for (var y = 0; y < source.Height; y++)
            {
                var from = source.GetRowSpan(y);
                var to = target.GetRowSpan(y);
                for (var x = 0; x < from.Length; x++)
                {
                    var pixel = from[x];
                    if (pixel.A < byte.MaxValue)
                    {
                        to[x] = new Rgb24(OverWhite(pixel.R, pixel.A), OverWhite(pixel.G, pixel.A), OverWhite(pixel.B, pixel.A));
                    }
                }
            }
        });
    }

    /// <summary>The same rounding the gray handlings use to composite over white.</summary>
    private static byte OverWhite(int channel, int alpha) =>
        (byte)(((channel * alpha) + (byte.MaxValue * (byte.MaxValue - alpha)) + GrayImages.MidGray) / byte.MaxValue);

    /// <summary>Each channel's median over the picture's outermost pixels.</summary>
    private static Rgb24 MedianOfBorder(Image<Rgb24> picture)
    {
        var border = new List<Rgb24>();
        picture.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                if (y == 0 || y == accessor.Height - 1)
                {
                    foreach (var pixel in row)
                    {
                        border.Add(pixel);
                    }
                }
                else
                {
                    border.Add(row[0]);
                    border.Add(row[^1]);
                }
            }
        });

        static byte Median(IEnumerable<byte> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        return new Rgb24(Median(border.Select(pixel => pixel.R)), Median(border.Select(pixel => pixel.G)), Median(border.Select(pixel => pixel.B)));
    }
}
