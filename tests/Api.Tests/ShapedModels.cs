using Autoencoder.Core;

namespace Autoencoder.Api.Tests;

/// <summary>
/// A temporary models folder: the bundled models, and beside them identity models of other shapes, a colour one
/// (3 x 8 x 10, RGB, "fit"), the same with its planes in BGR order ("none"), and a gray one 20 wide and 12 high ("fit").
/// </summary>
public static class ShapedModels
{
    public static readonly ImageShape Colour = new(3, 8, 10);
    public static readonly ImageShape ColourBgr = new(3, 8, 10) { ChannelOrder = ImageShape.Bgr };
    public static readonly ImageShape WideGray = new(1, 12, 20);

    /// <summary>The model.json the identity models take their other fields from: the bundled mnist's.</summary>
    public static string Template => Path.Combine(TestData.ModelsDirectory, "mnist", ModelManifest.FileName);

    /// <summary>Writes the folder and returns its path; the caller deletes it.</summary>
    public static string CreateFolder()
    {
        var directory = Path.Combine(Path.GetTempPath(), "autoencoder-shaped-" + Guid.NewGuid().ToString("N"));
        foreach (var bundled in Directory.GetDirectories(TestData.ModelsDirectory))
        {
            var target = Path.Combine(directory, Path.GetFileName(bundled));
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(bundled, "*.json").Concat(Directory.GetFiles(bundled, "*.onnx")))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        IdentityModels.Write(Path.Combine(directory, "colour"), "colour", Colour, "fit", Template);
        IdentityModels.Write(Path.Combine(directory, "colour-bgr"), "colour-bgr", ColourBgr, "none", Template);
        IdentityModels.Write(Path.Combine(directory, "wide"), "wide", WideGray, "fit", Template);
        return directory;
    }
}

/// <summary>The real API over <see cref="ShapedModels"/>' folder, removed when the factory is disposed.</summary>
public sealed class ShapedModelsFactory : AutoencoderApiFactory
{
    private readonly string directory = ShapedModels.CreateFolder();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Models:Directory"] = directory };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
