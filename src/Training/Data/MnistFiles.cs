namespace Autoencoder.Training.Data;

/// <summary>The four standard file names of MNIST-format data sets, and where to find them in a folder.</summary>
internal static class MnistFiles
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    public static IReadOnlyList<string> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>The file in <paramref name="directory"/> named <paramref name="name"/> or <paramref name="name"/>.gz.</summary>
    public static string Locate(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }

        var gzip = raw + ".gz";
        if (File.Exists(gzip))
        {
            return gzip;
        }

        throw new DataFileException(raw + "[.gz]", "file not found");
    }
}
