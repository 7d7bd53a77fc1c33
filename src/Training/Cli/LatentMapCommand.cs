using System.CommandLine;
using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>latent-map: encodes a labelled test set with a model's ONNX encoder and writes its 2-D map beside model.json.</summary>
internal sealed class LatentMapCommand : Command
{
    private readonly Option<string> modelFolder = TypedOptions.Text(
        "--model", "DIR", "model folder (model.json, encoder.onnx); latent-map.json is written there", required: true);

    private readonly Option<string> imageFile = TypedOptions.Text(
        "--images", "PATH",
        "IDX image file of the model's image size, raw or gzip (e.g. t10k-images-idx3-ubyte.gz), or a folder of pictures as train reads them (its test split, labelled by class folder; colour models need one)",
        required: true);

    private readonly Option<string> labelFile = TypedOptions.Text("--labels", "FILE", "IDX label file of the images (IDX images only)");

    private readonly Option<int> points = TypedOptions.WholeNumber(
        "--points", 1, 100_000, 2000, "test images kept as points on the map (all images fit the projection)");

    public LatentMapCommand()
        : base("latent-map", "Encodes a labelled test set with a model's ONNX encoder and writes its 2-D map, latent-map.json, beside model.json.")
    {
        Option[] options = [modelFolder, imageFile, labelFile, points];
        this.AddOptions(options);

        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var directory = parseResult.GetRequiredValue(modelFolder);
        var imagesPath = parseResult.GetRequiredValue(imageFile);
        var labelsPath = parseResult.GetValue(labelFile);
        var maxPoints = parseResult.GetValue(points);
        var pictures = Directory.Exists(imagesPath);
        if (pictures == labelsPath is not null)
        {
            throw new UsageException(pictures
                ? "--labels is for IDX images; a folder of pictures is labelled by its class folders"
                : "--labels is needed with IDX images (--images FILE); a folder of pictures is labelled by its class folders");
        }

        using var model = ExportedAutoencoder.OpenEncoder(directory, Environment.ProcessorCount);
        var manifest = model.Manifest;
        var (images, labels, dataset) = pictures ? FromPictures(manifest, imagesPath) : FromIdx(manifest, imagesPath, labelsPath!);
        var latents = model.Encode(model.Pixels(images, imagesPath), images.Count);
        var map = LatentMapBuilder.Build(dataset, latents, images.Count, manifest.LatentSize, images, labels, maxPoints);
        var path = Path.Combine(directory, LatentMap.FileName);
        ModelFolder.ReplaceFile(path, map.Save);
        parseResult.InvocationConfiguration.Output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"latent-map: {map.Points.Length} of {images.Count} images from {map.Dataset}; the two components explain {map.ExplainedVariance[0]:P1} and {map.ExplainedVariance[1]:P1} of the variance; wrote {path}"));
        return 0;
    }

    /// <summary>An IDX image file and its labels, of a gray model's size.</summary>
    private static (ImageStack Images, byte[] Labels, string Dataset) FromIdx(ModelManifest manifest, string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (manifest.Image is not { Channels: 1 } shape || shape.Height != images.Rows || shape.Width != images.Columns)
        {
            throw new DataFileException(imagesPath, $"images are 1x{images.Rows}x{images.Columns} but the model takes {manifest.Image.Channels}x{manifest.Image.Height}x{manifest.Image.Width}");
        }

        if (labels.Length != images.Count)
        {
            throw new DataFileException(labelsPath, $"{labels.Length} labels for the {images.Count} images in {Path.GetFileName(imagesPath)}");
        }

        return (images, labels, DatasetName(manifest, imagesPath));
    }

    /// <summary>The test split of a folder of pictures, read as train reads it at the model's size and channels, labelled by class folder, in a seeded random order.</summary>
    private static (ImageStack Images, byte[] Labels, string Dataset) FromPictures(ModelManifest manifest, string folder)
    {
        var image = manifest.Image;
        var test = ImageFolderDataset.Load(folder, image.Channels, (image.Height, image.Width), seed: 1).Test;

        // The pictures come class folder by class folder; the points kept are the first, so they are shuffled (seeded)
        // for the points to hold every class as the test split does, not the first classes alone.
        var order = Enumerable.Range(0, test.Count).ToArray();
        new Random(1).Shuffle(order);
        test = test.Select(order);
        return (test.Images, test.Labels, $"{manifest.Dataset.Name} test");
    }

    /// <summary>"mnist t10k" for t10k-images-idx3-ubyte.gz of a model trained on mnist.</summary>
    private static string DatasetName(ModelManifest manifest, string imagesPath)
    {
        var file = Path.GetFileName(imagesPath);
        var split = file.IndexOf("-images", StringComparison.Ordinal) is > 0 and var end ? file[..end] : Path.GetFileNameWithoutExtension(file);
        return $"{manifest.Dataset.Name} {split}";
    }
}
