namespace Autoencoder.Training.Data;

/// <summary>Images and labels of one split.</summary>
internal sealed record LabelledImages(GrayImageStack Images, byte[] Labels)
{
    public int Count => Images.Count;

    public LabelledImages Take(int count) =>
        count >= Count ? this : new LabelledImages(Images.Take(count), Labels[..count]);

    public LabelledImages Select(IReadOnlyList<int> indices) =>
        new(Images.Select(indices), [.. indices.Select(index => Labels[index])]);

    /// <summary>
    /// Holds out <paramref name="fraction"/> of the images, drawn at random with <paramref name="seed"/>: the rest to
    /// train on, the held-out part to choose the best epoch with, so that the test split is never looked at.
    /// </summary>
    public (LabelledImages Train, LabelledImages Validation) Split(double fraction, int seed)
    {
        var validationCount = (int)Math.Round(Count * fraction);
        if (fraction > 0 && validationCount == 0)
        {
            validationCount = 1;
        }

        if (validationCount >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"holding out {validationCount} of {Count} images leaves nothing to train on");
        }

        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        var validation = order[..validationCount];
        var train = order[validationCount..];
        Array.Sort(validation);
        Array.Sort(train);
        return (Select(train), Select(validation));
    }
}

/// <summary>A training split and a test split of labelled grayscale images: MNIST-format IDX files (MNIST, Fashion-MNIST, ...) or a folder of pictures.</summary>
internal sealed record ImageDataset(string Name, LabelledImages Train, LabelledImages Test)
{
    /// <summary>A folder of MNIST-format IDX files (train- and t10k-, images and labels, raw or gzip); see <see cref="ImageFolderDataset"/> for pictures.</summary>
    public static ImageDataset LoadIdx(string directory)
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

        return new ImageDataset(DatasetName(directory), train, test);
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
