namespace Autoencoder.Training.Data;

/// <summary>Images and labels of one split.</summary>
internal sealed record LabelledImages(IdxImages Images, byte[] Labels)
{
    public int Count => Images.Count;

    public LabelledImages Take(int count) =>
        count >= Count ? this : new LabelledImages(Images.Take(count), Labels[..count]);
}

/// <summary>A training split and a test split in MNIST's file layout (MNIST, Fashion-MNIST, ...).</summary>
internal sealed record MnistDataset(string Name, LabelledImages Train, LabelledImages Test)
{
    public static MnistDataset Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DataFileException(directory, "data directory not found");
        }

        var train = LoadSplit(directory, MnistFiles.TrainImages, MnistFiles.TrainLabels);
        var test = LoadSplit(directory, MnistFiles.TestImages, MnistFiles.TestLabels);
        if ((train.Images.Rows, train.Images.Columns) != (test.Images.Rows, test.Images.Columns))
        {
            throw new DataFileException(
                MnistFiles.Locate(directory, MnistFiles.TestImages),
                $"test images are {test.Images.Rows}x{test.Images.Columns} but training images are {train.Images.Rows}x{train.Images.Columns}");
        }

        return new MnistDataset(DatasetName(directory), train, test);
    }

    private static LabelledImages LoadSplit(string directory, string imagesName, string labelsName)
    {
        var imagesPath = MnistFiles.Locate(directory, imagesName);
        var labelsPath = MnistFiles.Locate(directory, labelsName);
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new DataFileException(labelsPath, $"{labels.Length} labels for the {images.Count} images in {Path.GetFileName(imagesPath)}");
        }

        return new LabelledImages(images, labels);
    }

    /// <summary>A data set is named after its folder: .../fashion-mnist is "fashion-mnist".</summary>
    private static string DatasetName(string directory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))).ToLowerInvariant();
}
