using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Bench.Photos;

/// <summary>t10k digits as people photograph or draw them.</summary>
internal sealed class DigitPhotos(Idx.ImageHeader header, byte[] pixels)
{
    public int Count => header.Count;

    public static DigitPhotos Read(string idxGz)
    {
        var (header, pixels) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(idxGz)));
        return new DigitPhotos(header, pixels);
    }

    /// <summary>The digit's gray values, white ink on black, as MNIST stores it.</summary>
    public byte[] Digit(int index) => pixels.AsSpan(index * header.PixelsPerImage, header.PixelsPerImage).ToArray();

    /// <summary>The digit scaled up tenfold (bilinear), off-centre as dark ink on light paper: a 400x360 RGB JPEG.</summary>
    public byte[] OnPaperJpeg(int index) => PhotographedDigits.Render(Digit(index), DigitStyle.Typical, index);

    /// <summary>The digit scaled up tenfold (bilinear), off-centre as dark ink on a transparent 400x360 PNG.</summary>
    public byte[] OnTransparentPng(int index) => PhotographedDigits.Render(Digit(index), DigitStyle.Typical with { Alpha = true, Ink = new(20, 20, 20) }, index);

    /// <summary>
    /// What a phone takes: 4032x3024, quality 90, the digit about 1,200 pixels high in dark ink on slightly noisy,
    /// unevenly lit paper. With <paramref name="sideways"/>, a portrait photo stored as phones store it: turned a
    /// quarter anticlockwise with EXIF orientation 6.
    /// </summary>
    public byte[] PhonePhoto(int index, bool sideways)
    {
        var random = new Random(index);
        using var ink = Enlarged(index, 43);
        var (width, height) = sideways ? (3024, 4032) : (4032, 3024);
        var (left, top) = ((width - ink.Width) / 2 + 150, (height - ink.Height) / 2 - 100);
        using var page = new Image<Rgb24>(width, height);
        page.ProcessPixelRows(ink, (paper, digit) =>
        {
            for (var y = 0; y < paper.Height; y++)
            {
                var row = paper.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var inside = x >= left && x < left + digit.Width && y >= top && y < top + digit.Height;
                    var amount = inside ? digit.GetRowSpan(y - top)[x - left].PackedValue / 255.0 : 0;
                    var light = 225 - (20 * x / width) - (10 * y / height) + random.Next(-4, 5);
                    row[x] = new Rgb24(Mix(light, 35, amount), Mix(light - 3, 33, amount), Mix(light - 10, 45, amount));
                }
            }
        });
        if (sideways)
        {
            page.Mutate(context => context.Rotate(RotateMode.Rotate270));
            page.Metadata.ExifProfile = new ExifProfile();
            page.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        }

        return Encode(page, new JpegEncoder { Quality = 90 });
    }

    private Image<L8> Enlarged(int index, int scale)
    {
        var image = Image.LoadPixelData<L8>(Digit(index), 28, 28);
        image.Mutate(context => context.Resize(28 * scale, 28 * scale, KnownResamplers.Triangle));
        return image;
    }

    private static byte Mix(int paper, int ink, double amount) => (byte)Math.Clamp(Math.Round((paper * (1 - amount)) + (ink * amount)), 0, 255);

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
