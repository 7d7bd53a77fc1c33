using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Bench.Photos;

/// <summary>
/// How a person might photograph or export a digit: enlarged, the stroke made thicker or thinner and softened, dark
/// ink on tinted paper somewhere on the page, saved as a JPEG, or as a PNG with the ink in alpha on transparency.
/// Shared by bench/photos.sh, which measures the preprocessing along each of these, and the tests.
/// </summary>
/// <param name="Scale">How many times the 28x28 digit is enlarged (bilinear unless <paramref name="Enlarge"/> says).</param>
/// <param name="Stroke">Pixels (of the enlarged digit) the ink grows by (dilation) or, below 0, shrinks by (erosion).</param>
/// <param name="Blur">Gaussian blur of the enlarged ink, sigma in its pixels; 0 for none.</param>
/// <param name="Paper">The paper's colour (the canvas of a JPEG; a PNG's is transparent).</param>
/// <param name="Ink">The ink's colour.</param>
/// <param name="Placement">Where on the page the digit goes.</param>
/// <param name="JpegQuality">The JPEG's quality; ignored for a PNG.</param>
/// <param name="Alpha">A PNG with transparent paper and the ink in alpha, rather than a JPEG of the page.</param>
/// <param name="Enlarge">The resampler that enlarges the digit.</param>
/// <param name="PageWidth">The page's width.</param>
/// <param name="PageHeight">The page's height.</param>
/// <param name="GrayPng">A grayscale PNG of the page, without the paper's noise, rather than a JPEG.</param>
internal sealed record DigitStyle(
    int Scale = 10,
    int Stroke = 0,
    float Blur = 0,
    Rgb24? Paper = null,
    Rgb24? Ink = null,
    DigitPlacement Placement = DigitPlacement.Anywhere,
    int JpegQuality = 90,
    bool Alpha = false,
    string Enlarge = "bilinear",
    int PageWidth = 400,
    int PageHeight = 360,
    bool GrayPng = false)
{
    /// <summary>Slightly tinted paper, as white paper photographs.</summary>
    public static Rgb24 TintedPaper { get; } = new(236, 231, 221);

    public static Rgb24 DarkInk { get; } = new(28, 28, 40);

    /// <summary>What people send most: the digit enlarged tenfold, dark ink on slightly tinted paper anywhere on a 400x360 page, JPEG quality 90.</summary>
    public static DigitStyle Typical { get; } = new();

    /// <summary>The simplest export: the digit enlarged tenfold, white ink on black in the middle of a 360x400 page, a grayscale PNG.</summary>
    public static DigitStyle PlainEnlargement { get; } = new(
        Paper: new Rgb24(0, 0, 0), Ink: new Rgb24(255, 255, 255), Placement: DigitPlacement.Centre, PageWidth: 360, PageHeight: 400, GrayPng: true);

    public Rgb24 PaperColour => Paper ?? TintedPaper;

    public Rgb24 InkColour => Ink ?? DarkInk;

    public string ContentType => Alpha || GrayPng ? "image/png" : "image/jpeg";
}

internal enum DigitPlacement
{
    /// <summary>Anywhere the whole digit fits.</summary>
    Anywhere,

    /// <summary>In the page's centre.</summary>
    Centre,

    /// <summary>Touching the page's top-left corner.</summary>
    Corner,
}

internal static class PhotographedDigits
{
    /// <summary>The upload for a 28x28 digit (white ink on black, as MNIST stores it) in <paramref name="style"/>; <paramref name="seed"/> places it and makes the paper's noise.</summary>
    public static byte[] Render(byte[] digit, DigitStyle style, int seed)
    {
        var random = new Random(seed);
        using var ink = Ink(digit, style);
        var (left, top) = style.Placement switch
        {
            DigitPlacement.Centre => ((style.PageWidth - ink.Width) / 2, (style.PageHeight - ink.Height) / 2),
            DigitPlacement.Corner => (0, 0),
            _ => (random.Next(0, style.PageWidth - ink.Width + 1), random.Next(0, style.PageHeight - ink.Height + 1)),
        };
        return style.Alpha ? OnTransparency(ink, style, left, top) : OnPaper(ink, style, left, top, random);
    }

    /// <summary>The digit enlarged, its stroke grown or shrunk and softened as <paramref name="style"/> says: ink amount 0..255.</summary>
    public static Image<L8> Ink(byte[] digit, DigitStyle style)
    {
        var image = Image.LoadPixelData<L8>(digit, 28, 28);
        var resampler = style.Enlarge switch
        {
            "nearest" => KnownResamplers.NearestNeighbor,
            "bicubic" => KnownResamplers.Bicubic,
            "lanczos" => KnownResamplers.Lanczos3,
            _ => KnownResamplers.Triangle,
        };
        image.Mutate(context => context.Resize(28 * style.Scale, 28 * style.Scale, resampler));
        if (style.Stroke != 0)
        {
            Morph(image, Math.Abs(style.Stroke), grow: style.Stroke > 0);
        }

        if (style.Blur > 0)
        {
            image.Mutate(context => context.GaussianBlur(style.Blur));
        }

        return image;
    }

    private static byte[] OnPaper(Image<L8> ink, DigitStyle style, int left, int top, Random random)
    {
        var (paper, colour) = (style.PaperColour, style.InkColour);
        using var page = new Image<Rgb24>(style.PageWidth, style.PageHeight);
        page.ProcessPixelRows(ink, (pageRows, inkRows) =>
        {
            for (var y = 0; y < pageRows.Height; y++)
            {
                var row = pageRows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var inside = x >= left && x < left + inkRows.Width && y >= top && y < top + inkRows.Height;
                    var amount = inside ? inkRows.GetRowSpan(y - top)[x - left].PackedValue / 255.0 : 0;
                    var noise = style.GrayPng ? 0 : random.Next(-3, 4);
                    row[x] = new Rgb24(Mix(paper.R + noise, colour.R, amount), Mix(paper.G + noise, colour.G, amount), Mix(paper.B + noise, colour.B, amount));
                }
            }
        });
        if (style.GrayPng)
        {
            using var gray = page.CloneAs<L8>();
            return Encode(gray, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        }

        return Encode(page, new JpegEncoder { Quality = style.JpegQuality });
    }

    private static byte[] OnTransparency(Image<L8> ink, DigitStyle style, int left, int top)
    {
        var colour = style.InkColour;
        using var canvas = new Image<Rgba32>(style.PageWidth, style.PageHeight);
        canvas.ProcessPixelRows(ink, (layer, inkRows) =>
        {
            for (var y = 0; y < inkRows.Height; y++)
            {
                var row = layer.GetRowSpan(top + y);
                var inkRow = inkRows.GetRowSpan(y);
                for (var x = 0; x < inkRow.Length; x++)
                {
                    row[left + x] = new Rgba32(colour.R, colour.G, colour.B, inkRow[x].PackedValue);
                }
            }
        });
        return Encode(canvas, new PngEncoder());
    }

    /// <summary>Grey-level dilation (or erosion) with a square of side 2 * radius + 1, one axis at a time.</summary>
    private static void Morph(Image<L8> image, int radius, bool grow)
    {
        var (width, height) = (image.Width, image.Height);
        var pixels = new byte[width * height];
        image.CopyPixelDataTo(pixels);
        var pass = new byte[pixels.Length];
        for (var axis = 0; axis < 2; axis++)
        {
            var (step, length, lines, lineStep) = axis == 0 ? (1, width, height, width) : (width, height, width, 1);
            for (var line = 0; line < lines; line++)
            {
                for (var i = 0; i < length; i++)
                {
                    var best = grow ? 0 : 255;
                    for (var k = Math.Max(0, i - radius); k <= Math.Min(length - 1, i + radius); k++)
                    {
                        var value = pixels[(line * lineStep) + (k * step)];
                        best = grow ? Math.Max(best, value) : Math.Min(best, value);
                    }

                    pass[(line * lineStep) + (i * step)] = (byte)best;
                }
            }

            (pixels, pass) = (pass, pixels);
        }

        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < height; y++)
            {
                pixels.AsSpan(y * width, width).CopyTo(MemoryMarshalRow(rows.GetRowSpan(y)));
            }
        });
    }

    private static Span<byte> MemoryMarshalRow(Span<L8> row) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(row);

    private static byte Mix(int paper, int ink, double amount) => (byte)Math.Clamp(Math.Round((paper * (1 - amount)) + (ink * amount)), 0, 255);

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
