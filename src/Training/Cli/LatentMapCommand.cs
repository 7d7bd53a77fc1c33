using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Reports;

namespace Autoencoder.Training.Cli;

/// <summary>latent-map: encodes a labelled test set with a model's ONNX encoder and writes its 2-D map beside model.json.</summary>
internal static class LatentMapCommand
{
    public const string Usage = """
        latent-map --model DIR --images FILE --labels FILE [options]
          --model DIR         model folder (model.json, encoder.onnx); latent-map.json is written there
          --images FILE       IDX image file of the model's image size, raw or gzip (e.g. t10k-images-idx3-ubyte.gz)
          --labels FILE       IDX label file of the same images
          --points N          test images kept as points on the map; default 2000 (all images fit the projection)
        """;

    private static readonly HashSet<string> Options = ["--model", "--images", "--labels", "--points"];

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var arguments = Arguments.Parse(args, Options, new HashSet<string>());
        var directory = arguments.RequiredString("--model");
        var imagesPath = arguments.RequiredString("--images");
        var labelsPath = arguments.RequiredString("--labels");
        var maxPoints = arguments.Int("--points", 1, 100_000) ?? 2000;

        var manifestPath = Path.Combine(directory, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new DataFileException(manifestPath, "file not found (--model must be a model folder)");
        }

        var manifest = ModelManifest.Load(manifestPath);
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

        var latents = OnnxEncoder.Encode(directory, manifest, images);
        var map = LatentMapBuilder.Build(DatasetName(manifest, imagesPath), latents, images.Count, manifest.LatentSize, images, labels, maxPoints);
        var path = Path.Combine(directory, LatentMap.FileName);
        map.Save(path);
        output.WriteLine(string.Create(
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
