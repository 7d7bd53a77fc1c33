using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Training.Data;

/// <summary>The colours of one coloured image: its ink (where the gray image is white) and its paper (where it is black).</summary>
internal readonly record struct InkAndPaper(Rgb24 Ink, Rgb24 Paper)
{
    /// <summary>
    /// The smallest difference in luma (Rec. 601, 0..1) between ink and paper: one of the two is clearly the lighter, so
    /// a digit stays readable whatever the two hues, as it would not be in red on an equally bright green.
    /// </summary>
    public const double MinimumLumaDifference = 0.4;

    public static double Luma(Rgb24 colour) => ((0.299 * colour.R) + (0.587 * colour.G) + (0.114 * colour.B)) / 255.0;

    /// <summary>Ink and paper each drawn uniformly from all 24-bit colours, both drawn again until their lumas differ by <see cref="MinimumLumaDifference"/>.</summary>
    public static InkAndPaper Draw(Random random)
    {
        while (true)
        {
            var ink = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            var paper = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            if (Math.Abs(Luma(ink) - Luma(paper)) >= MinimumLumaDifference)
            {
                return new InkAndPaper(ink, paper);
            }
        }
    }

    /// <summary>"#rrggbb".</summary>
    public static string Hex(Rgb24 colour) => $"#{colour.R:x2}{colour.G:x2}{colour.B:x2}";
}

/// <summary>
/// Coloured MNIST, as the literature colours it: each gray image (a digit, a garment) becomes an RGB picture whose ink
/// and paper colours are drawn per image (<see cref="InkAndPaper.Draw"/>), each pixel the paper blended towards the ink by
/// its gray value, optionally centred on a larger square of paper. The pictures go into a folder train reads:
/// train/LABEL/NNNNN.png and test/LABEL/NNNNN.png, NNNNN the image's index in its IDX file, with colours.csv listing
/// every image's two colours. Each split draws from its own generator seeded from the seed, so a seed always gives the
/// same bytes.
/// </summary>
internal static class ColouredImages
{
    public const string ColoursFileName = "colours.csv";

    /// <summary>The encoder's settings fixed, so that the bytes written depend on the pixels alone.</summary>
    private static readonly PngEncoder Png = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.DefaultCompression,
        FilterMethod = PngFilterMethod.Adaptive,
        InterlaceMethod = PngInterlaceMode.None,
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };

    /// <summary>Writes both splits of <paramref name="dataset"/> into <paramref name="directory"/>, padded to <paramref name="size"/> when it is given.</summary>
    public static void Write(ImageDataset dataset, string directory, int? size, int seed, Action<string> progress)
    {
        var colours = new StringBuilder("split,index,label,ink,paper\n");
        foreach (var (split, images, stream) in new[] { ("train", dataset.Train, 0), ("test", dataset.Test, 1) })
        {
            var random = new Random(unchecked((seed * 2) + stream));
            for (var index = 0; index < images.Count; index++)
            {
                var drawn = InkAndPaper.Draw(random);
                var label = dataset.ClassName(images.Labels[index]);
                var folder = Path.Combine(directory, split, label);
                Directory.CreateDirectory(folder);
                using var picture = Render(images.Images.Image(index), images.Images.Columns, images.Images.Rows, drawn, size);
                picture.Save(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{index:D5}.png")), Png);
                colours.Append(CultureInfo.InvariantCulture, $"{split},{index},{label},{InkAndPaper.Hex(drawn.Ink)},{InkAndPaper.Hex(drawn.Paper)}\n");
            }

            progress(string.Create(CultureInfo.InvariantCulture, $"{split}: {images.Count:N0} pictures"));
        }

        File.WriteAllText(Path.Combine(directory, ColoursFileName), colours.ToString());
    }

    /// <summary>
    /// One gray image (white ink on black) in colour: each pixel round((paper x (255 - g) + ink x g) / 255) per channel,
    /// g its gray value, centred on a <paramref name="size"/> x <paramref name="size"/> square of paper when size is given.
    /// </summary>
    public static Image<Rgb24> Render(ReadOnlySpan<byte> gray, int width, int height, InkAndPaper colours, int? size)
    {
        var (fieldWidth, fieldHeight) = size is { } side ? (side, side) : (width, height);
        var picture = new Image<Rgb24>(fieldWidth, fieldHeight, colours.Paper);
        var (left, top) = ((fieldWidth - width) / 2, (fieldHeight - height) / 2);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = gray[(y * width) + x];
                picture[left + x, top + y] = new Rgb24(
                    Blend(colours.Paper.R, colours.Ink.R, value),
                    Blend(colours.Paper.G, colours.Ink.G, value),
                    Blend(colours.Paper.B, colours.Ink.B, value));
            }
        }

        return picture;
    }

    private static byte Blend(byte paper, byte ink, byte value) =>
        (byte)(((paper * (255 - value)) + (ink * value) + 127) / 255);
}
