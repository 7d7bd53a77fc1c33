using System.Text.Json.Nodes;

namespace Autoencoder.Api.Tests;

/// <summary>A copy of a bundled model under another name, its model.json changed as a test needs.</summary>
/// <param name="Bundled">The bundled model folder whose files are copied.</param>
/// <param name="Name">The copy's folder and name.</param>
/// <param name="Edit">Changes to the copy's model.json, if any.</param>
public sealed record CopiedModel(string Bundled, string Name, Action<JsonNode>? Edit = null);

/// <summary>
/// The real API over a temporary models folder of copies of bundled models, each model.json changed as a test needs
/// (marked as a denoiser, given a latent prior, or stripped of one), removed when the factory is disposed.
/// </summary>
public class CopiedModelsFactory : AutoencoderApiFactory
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "autoencoder-models-" + Guid.NewGuid().ToString("N"));

    /// <summary>The models folder the copies are in.</summary>
    protected string Directory => directory;

    public CopiedModelsFactory(params CopiedModel[] models)
    {
        foreach (var model in models)
        {
            Copy(directory, model);
        }
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Models:Directory"] = directory };

    /// <summary>Writes <paramref name="model"/> into <paramref name="directory"/>: the bundled ONNX files and its edited model.json.</summary>
    public static void Copy(string directory, CopiedModel model)
    {
        var target = Path.Combine(directory, model.Name);
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in new[] { "encoder.onnx", "decoder.onnx" })
        {
            File.Copy(Path.Combine(TestData.ModelsDirectory, model.Bundled, file), Path.Combine(target, file));
        }

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.ModelsDirectory, model.Bundled, "model.json")))!;
        manifest["name"] = model.Name.Split('/')[0];
        model.Edit?.Invoke(manifest);
        File.WriteAllText(Path.Combine(target, "model.json"), manifest.ToJsonString());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
