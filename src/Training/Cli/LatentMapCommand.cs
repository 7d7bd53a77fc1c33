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
        "--images", "FILE", "IDX image file of the model's image size, raw or gzip (e.g. t10k-images-idx3-ubyte.gz)", required: true);

    private readonly Option<string> labelFile = TypedOptions.Text("--labels", "FILE", "IDX label file of the same images", required: true);

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
        var labelsPath = parseResult.GetRequiredValue(labelFile);
        var maxPoints = parseResult.GetValue(points);

        using var model = ExportedAutoencoder.OpenEncoder(directory, Environment.ProcessorCount);
        var manifest = model.Manifest;
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

        var latents = model.Encode(model.Pixels(images, imagesPath), images.Count);
        var map = LatentMapBuilder.Build(DatasetName(manifest, imagesPath), latents, images.Count, manifest.LatentSize, images, labels, maxPoints);
        var path = Path.Combine(directory, LatentMap.FileName);
        ModelFolder.ReplaceFile(path, map.Save);
        parseResult.InvocationConfiguration.Output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"latent-map: {map.Points.Length} of {images.Count} images from {map.Dataset}; the two components explain {map.ExplainedVariance[0]:P1} and {map.ExplainedVariance[1]:P1} of the variance; wrote {path}"));
        return 0;
    }

    /// <summary>"mnist t10k" for t10k-images-idx3-ubyte.gz of a model trained on mnist.</summary>
    private static string DatasetName(ModelManifest manifest, string imagesPath)
    {
        var file = Path.GetFileName(imagesPath);
        var split = file.IndexOf("-images", StringComparison.Ordinal) is > 0 and var end ? file[..end] : Path.GetFileNameWithoutExtension(file);
        return $"{manifest.Dataset.Name} {split}";
    }
}
