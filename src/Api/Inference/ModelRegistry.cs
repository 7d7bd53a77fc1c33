using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Every model found in the models folder, loaded once for the life of the process, and which one serves
/// requests that name none. Loading happens in <see cref="Load"/>, at start-up, so a broken model stops the
/// service from starting instead of failing its first request.
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
    private Dictionary<string, OnnxAutoencoder> models = new(StringComparer.Ordinal);

    public IReadOnlyCollection<OnnxAutoencoder> All => models.Values;

    public string DefaultName { get; private set; } = "";

    /// <summary>True once every model has answered one warm-up inference.</summary>
    public bool IsWarm { get; private set; }

    public string Directory => Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    /// <summary>The named model, or the default one; <see cref="Errors.InputFault.NotFound"/>, naming those there are, if there is no such model.</summary>
    public OnnxAutoencoder Get(string? name) =>
        TryGet(name, out var model)
            ? model
            : throw Errors.ClientInputException.ModelNotFound(name ?? "", All.Select(known => known.Name).Order(StringComparer.Ordinal));

    /// <summary>
    /// The named model (any model: a plain autoencoder just reconstructs), or without a name the denoiser (a model whose
    /// model.json lists the noise it was trained for) of the default model's data set, the first by name if several.
    /// <see cref="Errors.InputFault.NotFound"/> when there is none, naming the denoisers there are or saying how to train one.
    /// </summary>
    public OnnxAutoencoder GetDenoiser(string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return Get(name);
        }

        var dataset = Get(null).Manifest.Dataset.Name;
        var denoisers = All.Where(model => model.Manifest.Noise is not null).OrderBy(model => model.Name, StringComparer.Ordinal).ToList();
        return denoisers.FirstOrDefault(model => model.Manifest.Dataset.Name == dataset)
            ?? throw Errors.ClientInputException.NotFound(denoisers.Count == 0
                ? $"No denoising model is loaded. Train one with noise (train --noise gaussian:0-0.5 ...) into the models folder, or name any model with ?model= to have it reconstruct the image."
                : $"No denoising model for data set '{dataset}' (the default model's) is loaded. Denoisers: {string.Join(", ", denoisers.Select(model => $"{model.Name} ({model.Manifest.Dataset.Name}: {string.Join(", ", model.Manifest.Noise!)})"))}; name one with ?model=.");
    }

    public bool TryGet(string? name, out OnnxAutoencoder model) =>
        models.TryGetValue(string.IsNullOrEmpty(name) ? DefaultName : name, out model!);

    public void Load()
    {
        var directory = Directory;
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelLoadException(directory, "models directory not found (set Models:Directory)");
        }

        var loaded = new Dictionary<string, OnnxAutoencoder>(StringComparer.Ordinal);
        try
        {
            foreach (var folder in System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
            {
                if (!File.Exists(Path.Combine(folder, ModelManifest.FileName)))
                {
                    continue;
                }

                var model = OnnxAutoencoder.Load(Path.GetFileName(folder), folder, selector, inference.Value.Device, batching.Value, metrics, logger);
                loaded.Add(model.Name, model);
                logger.LoadedModel(model.Name, model.Manifest.Architecture.Kind, model.LatentSize, model.Manifest.Dataset.Name, model.Provider.Name);
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
            foreach (var model in loaded.Values)
            {
                model.Dispose();
            }

            throw;
        }

        models = loaded;
    }

    /// <summary>Runs each model once on a blank batch, so the first request does not pay for lazy initialisation.</summary>
    public void WarmUp()
    {
        foreach (var model in models.Values)
        {
            var latent = model.Encode(new float[model.PixelCount], 1);
            model.Decode(latent, 1);
        }

        IsWarm = true;
    }

    public void Dispose()
    {
        foreach (var model in models.Values)
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
