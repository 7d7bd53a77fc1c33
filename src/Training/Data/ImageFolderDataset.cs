using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Training.Data;

/// <summary>
/// Training data as a folder of PNG and JPEG pictures. Sub-folders are classes, their names in order giving the
/// labels (pictures directly in a split have label 0). A folder with "train" and "test" sub-folders has its two
/// splits; any other folder is one pool of which a seeded tenth becomes the test split. Each picture is converted to
/// gray, inverted when its border is light (the models' contract is light objects on black), and resized to the
/// model's size.
/// </summary>
internal static class ImageFolderDataset
{
    public const double TestFraction = 0.1;

    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg" };

    /// <summary>True when <paramref name="directory"/> holds MNIST-format IDX files rather than pictures.</summary>
    public static bool HoldsIdxFiles(string directory) =>
        MnistFiles.All.Any(name => File.Exists(Path.Combine(directory, name)) || File.Exists(Path.Combine(directory, name + ".gz")));

    public static ImageDataset Load(string directory, int height, int width, int seed)
    {
        if (!Directory.Exists(directory))
        {
            throw new DataFileException(directory, "data directory not found");
        }

        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))).ToLowerInvariant();
        var trainDirectory = Path.Combine(directory, "train");
        var testDirectory = Path.Combine(directory, "test");
        if (Directory.Exists(trainDirectory) && Directory.Exists(testDirectory))
        {
            var classes = ClassNames(trainDirectory);
            return new ImageDataset(name, LoadSplit(trainDirectory, classes, height, width), LoadSplit(testDirectory, classes, height, width)) { ClassNames = classes };
        }

        var classNames = ClassNames(directory);
        var all = LoadSplit(directory, classNames, height, width);
        if (all.Count < 2)
        {
            throw new DataFileException(directory, $"{all.Count} picture(s); at least two are needed to train and test");
        }

        var (train, test) = all.Split(TestFraction, seed);
        return new ImageDataset(name, train, test) { ClassNames = classNames };
    }

    private static List<string> ClassNames(string directory) =>
        [.. Directory.GetDirectories(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static LabelledImages LoadSplit(string directory, List<string> classes, int height, int width)
    {
        var files = new List<(string Path, byte Label)>();
        files.AddRange(Pictures(directory).Select(path => (path, (byte)0)));
        for (var label = 0; label < classes.Count; label++)
        {
            if (label > byte.MaxValue)
            {
                throw new DataFileException(directory, $"{classes.Count} class folders; at most 256 are supported");
            }

            var classDirectory = Path.Combine(directory, classes[label]);
            files.AddRange(Pictures(classDirectory).Select(path => (path, (byte)label)));
        }

        if (files.Count == 0)
        {
            throw new DataFileException(directory, "no .png, .jpg or .jpeg pictures found");
        }

        var pixels = new byte[files.Count * height * width];
        for (var i = 0; i < files.Count; i++)
        {
            ReadPicture(files[i].Path, height, width, pixels.AsSpan(i * height * width, height * width));
        }

        return new LabelledImages(new GrayImageStack(files.Count, height, width, pixels), [.. files.Select(file => file.Label)]);
    }

    private static IEnumerable<string> Pictures(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory).Where(path => Extensions.Contains(Path.GetExtension(path))).Order(StringComparer.Ordinal)
            : [];

    private static void ReadPicture(string path, int height, int width, Span<byte> destination)
    {
        Image<L8> picture;
        try
        {
            picture = Image.Load<L8>(path);
        }
        catch (UnknownImageFormatException)
        {
            throw new DataFileException(path, "not a readable PNG or JPEG picture (its format is not recognised)");
        }
        catch (Exception e) when (e is InvalidImageContentException or NotSupportedException or IOException)
        {
            throw new DataFileException(path, $"not a readable PNG or JPEG picture ({e.Message.Split('\n')[0].Trim().TrimEnd('.', ':')})");
        }

        using (picture)
        {
            picture.Mutate(context => context.Resize(width, height));
            picture.CopyPixelDataTo(destination);
        }

        if (BorderMedian(destination, height, width) > 127)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (byte)(255 - destination[i]);
            }
        }
    }

    private static byte BorderMedian(ReadOnlySpan<byte> pixels, int height, int width)
    {
        var border = new List<byte>(2 * (height + width));
        for (var x = 0; x < width; x++)
        {
            border.Add(pixels[x]);
            border.Add(pixels[((height - 1) * width) + x]);
        }

        for (var y = 1; y < height - 1; y++)
        {
            border.Add(pixels[y * width]);
            border.Add(pixels[(y * width) + width - 1]);
        }

        border.Sort();
        return border[border.Count / 2];
    }
}
