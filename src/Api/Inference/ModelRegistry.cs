using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Inference;

/// <summary>A model's versions being served, and the one a request without a version gets: the newest.</summary>
public sealed record ServedModel(string Name, IReadOnlyDictionary<long, OnnxAutoencoder> Versions)
{
    public long DefaultVersion { get; } = Versions.Keys.Max();

    public OnnxAutoencoder Default => Versions[DefaultVersion];
}

/// <summary>
/// Every model found in the models folder, loaded once for the life of the process, and which one serves
/// requests that name none. A model folder holds encoder.onnx, decoder.onnx and model.json (its version 1), or
/// numbered version folders that each do, of which its <see cref="VersionPolicy"/> says which are served. Loading
/// happens in <see cref="Load"/>, at start-up, so a broken model stops the service from starting instead of failing its
/// first request.
/// </summary>
public sealed class ModelRegistry(
    IOptions<ModelsOptions> options,
    IOptions<InferenceOptions> inference,
    IOptions<BatchingOptions> batching,
    ExecutionProviderSelector selector,
    ApiMetrics metrics,
    IHostEnvironment environment,
    ILogger<ModelRegistry> logger) : IDisposable
{
    private Dictionary<string, ServedModel> models = new(StringComparer.Ordinal);

    /// <summary>Every model served, with its versions, by name.</summary>
    public IReadOnlyCollection<ServedModel> Served => models.Values;

    /// <summary>Each model's version that requests without a version get.</summary>
    public IReadOnlyCollection<OnnxAutoencoder> All => [.. models.Values.Select(model => model.Default)];

    /// <summary>Every version of every model loaded.</summary>
    public IEnumerable<OnnxAutoencoder> AllVersions => models.Values.SelectMany(model => model.Versions.Values);

    public string DefaultName { get; private set; } = "";

    /// <summary>True once every model has answered one warm-up inference.</summary>
    public bool IsWarm { get; private set; }

    public string Directory => Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    /// <summary>
    /// The named model, or the default one, at <paramref name="version"/> or its newest served version;
    /// <see cref="Errors.InputFault.NotFound"/>, naming those there are, if there is no such model or version.
    /// </summary>
    public OnnxAutoencoder Get(string? name, long? version = null)
    {
        if (!TryGetServed(name, out var served))
        {
            throw Errors.ClientInputException.ModelNotFound(name ?? "", models.Keys.Order(StringComparer.Ordinal));
        }

        return served.Versions.TryGetValue(version ?? served.DefaultVersion, out var model)
            ? model
            : throw Errors.ClientInputException.NotFound(
                $"Model '{served.Name}' has no version {version} served; it serves {string.Join(", ", served.Versions.Keys.Order())}.");
    }

    /// <summary>
    /// The named model (any model: a plain autoencoder just reconstructs), or without a name the denoiser (a model whose
    /// model.json lists the noise it was trained for) of the default model's data set, the first by name if several.
    /// <see cref="Errors.InputFault.NotFound"/> when there is none, naming the denoisers there are or saying how to train one.
    /// </summary>
    public OnnxAutoencoder GetDenoiser(string? name, long? version = null)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return Get(name, version);
        }

        var dataset = Get(null).Manifest.Dataset.Name;
        var denoisers = All.Where(model => model.Manifest.Noise is not null).OrderBy(model => model.Name, StringComparer.Ordinal).ToList();
        return denoisers.FirstOrDefault(model => model.Manifest.Dataset.Name == dataset) is { } denoiser
            ? Get(denoiser.Name, version)
            : throw Errors.ClientInputException.NotFound(denoisers.Count == 0
                ? $"No denoising model is loaded. Train one with noise (train --noise gaussian:0-0.5 ...) into the models folder, or name any model with ?model= to have it reconstruct the image."
                : $"No denoising model for data set '{dataset}' (the default model's) is loaded. Denoisers: {string.Join(", ", denoisers.Select(model => $"{model.Name} ({model.Manifest.Dataset.Name}: {string.Join(", ", model.Manifest.Noise!)})"))}; name one with ?model=.");
    }

    public bool TryGetServed(string? name, out ServedModel model) =>
        models.TryGetValue(string.IsNullOrEmpty(name) ? DefaultName : name, out model!);

    public void Load()
    {
        var directory = Directory;
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelLoadException(directory, "models directory not found (set Models:Directory)");
        }

        var loaded = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
        var opened = new List<OnnxAutoencoder>();
        try
        {
            foreach (var folder in System.IO.Directory.GetDirectories(directory).Where(IsVisible).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(folder);
                var versions = VersionFolders(folder);
                if (versions.Count == 0)
                {
                    continue;
                }

                var served = VersionPolicy.Load(folder).Select(versions.Keys);
                if (served.Count == 0)
                {
                    throw new ModelLoadException(
                        Path.Combine(folder, VersionPolicy.FileName), $"names none of the versions there are ({string.Join(", ", versions.Keys.Order())})");
                }

                var loadedVersions = new Dictionary<long, OnnxAutoencoder>();
                foreach (var version in served)
                {
                    var model = OnnxAutoencoder.Load(name, versions[version], selector, inference.Value.Device, batching.Value, metrics, logger, version);
                    opened.Add(model);
                    loadedVersions.Add(version, model);
                    logger.LoadedModel(model.Name, model.Version, model.Manifest.Architecture.Kind, model.LatentSize, model.Manifest.Dataset.Name, model.Provider.Name);
                }

                loaded.Add(name, new ServedModel(name, loadedVersions));
            }

            if (loaded.Count == 0)
            {
                throw new ModelLoadException(directory, $"no model folders (each with {ModelManifest.FileName}, {ModelManifest.EncoderFileName} and {ModelManifest.DecoderFileName})");
            }

            DefaultName = options.Value.Default switch
            {
                null or "" => loaded.ContainsKey("mnist") ? "mnist" : loaded.Keys.Order(StringComparer.Ordinal).First(),
                var configured when loaded.ContainsKey(configured) => configured,
                var configured => throw new ModelLoadException(directory, $"Models:Default names '{configured}', which is not among {string.Join(", ", loaded.Keys)}"),
            };
        }
        catch
        {
            foreach (var model in opened)
            {
                model.Dispose();
            }

            throw;
        }

        models = loaded;
    }

    /// <summary>
    /// A model folder's versions by number: the folder itself as version 1 when it holds model.json, else its numbered
    /// folders that do. A folder with both is refused: which one would be version 1 is not clear.
    /// </summary>
    private static Dictionary<long, string> VersionFolders(string folder)
    {
        var versions = System.IO.Directory.GetDirectories(folder)
            .Where(IsVisible)
            .Select(path => (Path: path, Version: VersionPolicy.VersionOf(Path.GetFileName(path))))
            .Where(entry => entry.Version is not null && File.Exists(Path.Combine(entry.Path, ModelManifest.FileName)))
            .ToDictionary(entry => entry.Version!.Value, entry => entry.Path);
        if (!File.Exists(Path.Combine(folder, ModelManifest.FileName)))
        {
            return versions;
        }

        return versions.Count == 0
            ? new Dictionary<long, string> { [1] = folder }
            : throw new ModelLoadException(folder, $"holds both {ModelManifest.FileName} and version folders ({string.Join(", ", versions.Keys.Order())}); keep one layout");
    }

    /// <summary>
    /// False for a folder whose name starts with '.': where the trainer writes a model before renaming it into place,
    /// and where it moves the model it replaces, so a half-written or outgoing model is never loaded.
    /// </summary>
    private static bool IsVisible(string folder) => !Path.GetFileName(folder).StartsWith('.');

    /// <summary>Runs each model once on a blank batch, so the first request does not pay for lazy initialisation.</summary>
    public void WarmUp()
    {
        foreach (var model in AllVersions)
        {
            var latent = model.Encode(new float[model.PixelCount], 1);
            model.Decode(latent, 1);
        }

        IsWarm = true;
    }

    public void Dispose()
    {
        foreach (var model in AllVersions)
        {
            model.Dispose();
        }
    }
}

/// <summary>Loads and warms the models as the host starts; the host does not start if that fails.</summary>
public sealed class ModelLoader(ModelRegistry registry, ILogger<ModelLoader> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        registry.Load();
        registry.WarmUp();
        logger.ModelsReady(registry.All.Count, registry.DefaultName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
