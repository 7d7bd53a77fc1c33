using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Autoencoder.Training.Data;

namespace Autoencoder.Training.Cli;

/// <summary>colour-dataset: MNIST-format IDX files in, a folder of coloured PNG pictures that train --image-channels 3 reads out.</summary>
internal sealed class ColourDatasetCommand : Command
{
    private readonly Option<string> dataFolder = TypedOptions.Text(
        "--data", "DIR", "MNIST-format IDX files (MNIST, Fashion-MNIST): both splits are coloured", required: true);

    private readonly Option<string> outputFolder = TypedOptions.Text(
        "--out", "DIR", "a new or empty folder for train/LABEL/*.png, test/LABEL/*.png and colours.csv", required: true);

    private readonly Option<int?> pad = TypedOptions.WholeNumber(
        "--pad", 1, 4096, "centre each picture on a square of this side in its paper colour (e.g. 32); default: the images' own size");

    private readonly Option<int> seed = TypedOptions.WholeNumber("--seed", 0, int.MaxValue, 1, "seeds the ink and paper colours: the same seed writes the same bytes");

    private readonly Option<int?> limit = TypedOptions.WholeNumber("--limit", 1, int.MaxValue, "colour only the first N training and N test images (quick runs)");

    public ColourDatasetCommand()
        : base("colour-dataset", "Writes MNIST-format images as coloured PNG pictures, ink and paper colours drawn per image, in a folder train reads.")
    {
        Option[] options = [dataFolder, outputFolder, pad, seed, limit];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var data = parseResult.GetRequiredValue(dataFolder);
        var directory = parseResult.GetRequiredValue(outputFolder);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new UsageException($"--out {directory} is not empty; colour-dataset writes into a new or empty folder");
        }

        if (!ImageFolderDataset.HoldsIdxFiles(data))
        {
            throw new UsageException($"--data {data} holds no MNIST-format IDX files (train-images-idx3-ubyte[.gz] and the rest)");
        }

        var dataset = ImageDataset.LoadIdx(data);
        if (parseResult.GetValue(limit) is { } count)
        {
            dataset = dataset with { Train = dataset.Train.Take(count), Test = dataset.Test.Take(count) };
        }

        var size = parseResult.GetValue(pad);
        var images = dataset.Train.Images;
        if (size is { } side && (side < images.Rows || side < images.Columns))
        {
            throw new UsageException($"--pad {side} is smaller than the {images.Rows}x{images.Columns} images; it pads, never crops");
        }

        var clock = Stopwatch.StartNew();
        ColouredImages.Write(dataset, directory, size, parseResult.GetValue(seed), output.WriteLine);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"done: {directory}  {dataset.Train.Count + dataset.Test.Count:N0} pictures of {size ?? images.Rows}x{size ?? images.Columns}  {clock.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }
}
