namespace Autoencoder.Training.Data;

/// <summary>Images and labels of one split.</summary>
internal sealed record LabelledImages(ImageStack Images, byte[] Labels)
{
    public int Count => Images.Count;

    public LabelledImages Take(int count) =>
        count >= Count ? this : new LabelledImages(Images.Take(count), Labels[..count]);

    public LabelledImages Select(IReadOnlyList<int> indices) =>
        new(Images.Select(indices), [.. indices.Select(index => Labels[index])]);

    /// <summary>The images whose labels are among <paramref name="labels"/>, in their order.</summary>
    public LabelledImages Only(IReadOnlySet<byte> labels) =>
        Select([.. Enumerable.Range(0, Count).Where(index => labels.Contains(Labels[index]))]);

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

/// <summary>A training split and a test split of labelled images: gray MNIST-format IDX files (MNIST, Fashion-MNIST, ...) or a folder of gray or colour pictures.</summary>
internal sealed record ImageDataset(string Name, LabelledImages Train, LabelledImages Test)
{
    /// <summary>Each label's name, by label: a folder of pictures' class folders; null for IDX files, whose labels are their numbers.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The classes <see cref="OnlyClasses"/> kept, by name; null when all are there.</summary>
    public IReadOnlyList<string>? SelectedClasses { get; init; }

    /// <summary>The name of <paramref name="label"/>: its class folder's, or its number.</summary>
    public string ClassName(byte label) =>
        ClassNames is { } names && label < names.Count ? names[label] : label.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Only the images of the classes <paramref name="classes"/> names (numbers for IDX files, class folders' names for
    /// pictures), in both splits: a model of those classes, trained, validated and tested on them alone. A name that is
    /// no class is a <see cref="ArgumentException"/> naming those there are.
    /// </summary>
    public ImageDataset OnlyClasses(IReadOnlyCollection<string> classes)
    {
        var present = Train.Labels.Concat(Test.Labels).Distinct().Order().ToList();
        var labels = new HashSet<byte>();
        foreach (var name in classes)
        {
            var label = present.Where(candidate => ClassName(candidate) == name).Cast<byte?>().FirstOrDefault()
                ?? throw new ArgumentException($"'{name}' is not a class of {Name}; its classes are {string.Join(", ", present.Select(ClassName))}");
            labels.Add(label);
        }

        return this with { Train = Train.Only(labels), Test = Test.Only(labels), SelectedClasses = [.. labels.Order().Select(ClassName)] };
    }

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
