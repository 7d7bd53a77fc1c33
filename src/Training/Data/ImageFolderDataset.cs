using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Training.Data;

/// <summary>
/// Training data as a folder of PNG and JPEG pictures. Sub-folders are classes, their names in order giving the
/// labels (pictures directly in a split have label 0). A folder with "train" and "test" sub-folders has its two
/// splits; any other folder is one pool of which a seeded tenth becomes the test split. Gray (one channel): each
/// picture is converted to gray and inverted when its border is light (the gray models' contract is light objects on
/// black). Colour (three channels): each picture keeps its colours, red, green and blue planes in that order. Either
/// way pictures are resized to the size asked for, or, when none is, must all share one size, which the data set takes.
/// </summary>
internal static class ImageFolderDataset
{
    public const double TestFraction = 0.1;

    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg" };

    /// <summary>True when <paramref name="directory"/> holds MNIST-format IDX files rather than pictures.</summary>
    public static bool HoldsIdxFiles(string directory) =>
        MnistFiles.All.Any(name => File.Exists(Path.Combine(directory, name)) || File.Exists(Path.Combine(directory, name + ".gz")));

    /// <summary>
    /// The pictures in <paramref name="directory"/> as <paramref name="channels"/>-channel images (1 gray, 3 colour),
    /// resized to <paramref name="size"/>, or at their own size when it is null (every picture must then have the first's).
    /// </summary>
    public static ImageDataset Load(string directory, int channels, (int Height, int Width)? size, int seed)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "pictures are read with 1 channel (gray) or 3 (colour)");
        }

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
            var train = LoadSplit(trainDirectory, classes, channels, size);

            // Read at their own size, the test pictures must have the training pictures'.
            var test = LoadSplit(testDirectory, classes, channels, size, (train.Images.Rows, train.Images.Columns, trainDirectory));
            return new ImageDataset(name, train, test) { ClassNames = classes };
        }

        var classNames = ClassNames(directory);
        var all = LoadSplit(directory, classNames, channels, size);
        if (all.Count < 2)
        {
            throw new DataFileException(directory, $"{all.Count} picture(s); at least two are needed to train and test");
        }

        var (trainPart, testPart) = all.Split(TestFraction, seed);
        return new ImageDataset(name, trainPart, testPart) { ClassNames = classNames };
    }

    private static List<string> ClassNames(string directory) =>
        [.. Directory.GetDirectories(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static LabelledImages LoadSplit(
        string directory, List<string> classes, int channels, (int Height, int Width)? size, (int Height, int Width, string Source)? sharedSize = null)
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

        var (height, width, source) = size is { } resized
            ? (resized.Height, resized.Width, "")
            : sharedSize ?? OwnSize(files[0].Path);
        var bytesPerImage = channels * height * width;
        var pixels = new byte[files.Count * bytesPerImage];
        for (var i = 0; i < files.Count; i++)
        {
            var destination = pixels.AsSpan(i * bytesPerImage, bytesPerImage);
            var resize = size is not null;
            if (channels == 1)
            {
                ReadGray(files[i].Path, height, width, resize, source, destination);
            }
            else
            {
                ReadColour(files[i].Path, height, width, resize, source, destination);
            }
        }

        return new LabelledImages(new ImageStack(files.Count, channels, height, width, pixels), [.. files.Select(file => file.Label)]);
    }

    private static IEnumerable<string> Pictures(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory).Where(path => Extensions.Contains(Path.GetExtension(path))).Order(StringComparer.Ordinal)
            : [];

    private static (int Height, int Width, string Source) OwnSize(string path)
    {
        using var picture = Open<L8>(path);
        return (picture.Height, picture.Width, path);
    }

    private static void ReadGray(string path, int height, int width, bool resize, string first, Span<byte> destination)
    {
        using (var picture = Open<L8>(path))
        {
            Fit(picture, path, height, width, resize, first);
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

    /// <summary>A picture's colours as three planes, red, green and blue, each row-major.</summary>
    private static void ReadColour(string path, int height, int width, bool resize, string first, Span<byte> destination)
    {
        using var picture = Open<Rgb24>(path);
        Fit(picture, path, height, width, resize, first);
        var plane = height * width;
        var red = destination[..plane];
        var green = destination.Slice(plane, plane);
        var blue = destination.Slice(2 * plane, plane);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var pixel = picture[x, y];
                var at = (y * width) + x;
                (red[at], green[at], blue[at]) = (pixel.R, pixel.G, pixel.B);
            }
        }
    }

    /// <summary>Resizes the picture to height x width when asked to (a picture of that size is left as it is); else it must already have that size.</summary>
    private static void Fit<TPixel>(Image<TPixel> picture, string path, int height, int width, bool resize, string first)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        if (resize)
        {
            picture.Mutate(context => context.Resize(width, height));
        }
        else if (picture.Width != width || picture.Height != height)
        {
            throw new DataFileException(
                path,
                $"a {picture.Height}x{picture.Width} picture, where {first} is {height}x{width}: pictures read at their own size must all share it (or give a size to resize them to)");
        }
    }

    private static Image<TPixel> Open<TPixel>(string path)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        try
        {
            return Image.Load<TPixel>(path);
        }
        catch (UnknownImageFormatException)
        {
            throw new DataFileException(path, "not a readable PNG or JPEG picture (its format is not recognised)");
        }
        catch (Exception e) when (e is InvalidImageContentException or NotSupportedException or IOException)
        {
            throw new DataFileException(path, $"not a readable PNG or JPEG picture ({e.Message.Split('\n')[0].Trim().TrimEnd('.', ':')})");
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
