using Autoencoder.Api.Errors;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Inference;

/// <summary>A model's versions being served, and the one a request without a version gets: the newest.</summary>
public sealed record ServedModel(string Name, IReadOnlyDictionary<long, OnnxAutoencoder> Versions)
{
    public long DefaultVersion { get; } = Versions.Keys.Max();

    public OnnxAutoencoder Default => Versions[DefaultVersion];
}

/// <summary>A request's hold on the model version it runs on: the version's sessions stay open until it is disposed.</summary>
public sealed class ModelLease(OnnxAutoencoder model) : IDisposable
{
    private int released;

    public OnnxAutoencoder Model { get; } = model;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            Model.Release();
        }
    }
}

/// <summary>
/// The models being served now, by name, and which one serves requests that name none. What it holds is replaced
/// whole (<see cref="Replace"/>) by the model repository as models are loaded, replaced and unloaded; a request reads
/// it once and holds a <see cref="ModelLease"/> on the version it runs on, so a version replaced under it finishes its
/// requests and is disposed after the last.
/// </summary>
public sealed class ModelRegistry(IOptions<ModelsOptions> options) : IDisposable
{
    private readonly Lock gate = new();
    private volatile Dictionary<string, ServedModel> models = new(StringComparer.Ordinal);

    /// <summary>Every model served, with its versions, by name.</summary>
    public IReadOnlyCollection<ServedModel> Served => models.Values;

    /// <summary>Each model's version that requests without a version get.</summary>
    public IReadOnlyCollection<OnnxAutoencoder> All => [.. models.Values.Select(model => model.Default)];

    /// <summary>Every version of every model loaded.</summary>
    public IEnumerable<OnnxAutoencoder> AllVersions => models.Values.SelectMany(model => model.Versions.Values);

    /// <summary>
    /// The model a request without ?model= gets: Models:Default, or else "mnist" if served, else the first served by
    /// name; "" while none is served.
    /// </summary>
    public string DefaultName => options.Value.Default is { Length: > 0 } configured ? configured : Choose(models.Keys) ?? "";

    /// <summary>True once the models the service starts with are loaded and have answered a warm-up inference.</summary>
    public bool IsWarm { get; private set; }

    public void MarkWarm() => IsWarm = true;

    /// <summary>
    /// The named model, or the default one, at <paramref name="version"/> or its newest served version;
    /// <see cref="InputFault.NotFound"/>, naming those there are, if there is no such model or version, and
    /// <see cref="ModelUnavailableException"/> when no name is given and the default model is not served now.
    /// </summary>
    public OnnxAutoencoder Get(string? name, long? version = null)
    {
        var served = Find(name);
        return served.Versions.TryGetValue(version ?? served.DefaultVersion, out var model)
            ? model
            : throw ClientInputException.NotFound(
                $"Model '{served.Name}' has no version {version} served; it serves {string.Join(", ", served.Versions.Keys.Order())}.");
    }

    /// <summary>As <see cref="Get"/>, with a lease on the version, taken from what is served when it is taken.</summary>
    public ModelLease Lease(string? name, long? version = null) => Leased(() => Get(name, version));

    /// <summary>As <see cref="GetDenoiser"/>, with a lease on the version.</summary>
    public ModelLease LeaseDenoiser(string? name, long? version = null) => Leased(() => GetDenoiser(name, version));

    /// <summary>A lease on what <paramref name="find"/> gives, finding again if it was retired between the two.</summary>
    public static ModelLease Leased(Func<OnnxAutoencoder> find)
    {
        while (true)
        {
            // A version is retired only after it is no longer served, so the next find gives its replacement.
            var model = find();
            if (model.TryAcquire())
            {
                return new ModelLease(model);
            }
        }
    }

    /// <summary>
    /// The named model (any model: a plain autoencoder just reconstructs), or without a name the denoiser (a model whose
    /// model.json lists the noise it was trained for) of the default model's data set, the first by name if several.
    /// <see cref="InputFault.NotFound"/> when there is none, naming the denoisers there are or saying how to train one.
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
            : throw ClientInputException.NotFound(denoisers.Count == 0
                ? $"No denoising model is loaded. Train one with noise (train --noise gaussian:0-0.5 ...) into the models folder, or name any model with ?model= to have it reconstruct the image."
                : $"No denoising model for data set '{dataset}' (the default model's) is loaded. Denoisers: {string.Join(", ", denoisers.Select(model => $"{model.Name} ({model.Manifest.Dataset.Name}: {string.Join(", ", model.Manifest.Noise!)})"))}; name one with ?model=.");
    }

    public bool TryGetServed(string? name, out ServedModel model) =>
        models.TryGetValue(string.IsNullOrEmpty(name) ? DefaultName : name, out model!);

    /// <summary>
    /// Serves <paramref name="model"/> under <paramref name="name"/> from now on (or nothing, when null), in one atomic
    /// switch; gives back what served before, for the caller to retire the versions no longer served.
    /// </summary>
    public ServedModel? Replace(string name, ServedModel? model)
    {
        lock (gate)
        {
            var next = new Dictionary<string, ServedModel>(models, StringComparer.Ordinal);
            next.Remove(name, out var previous);
            if (model is not null)
            {
                next[name] = model;
            }

            models = next;
            return previous;
        }
    }

    private static string? Choose(IEnumerable<string> names)
    {
        var ordered = names.Order(StringComparer.Ordinal).ToList();
        return ordered.Contains("mnist") ? "mnist" : ordered.FirstOrDefault();
    }

    private ServedModel Find(string? name)
    {
        if (TryGetServed(name, out var served))
        {
            return served;
        }

        var known = models.Keys.Order(StringComparer.Ordinal).ToList();
        if (!string.IsNullOrEmpty(name))
        {
            throw ClientInputException.ModelNotFound(name, known);
        }

        throw new ModelUnavailableException(DefaultName.Length == 0
            ? "No model is loaded yet; load one, or name one with ?model=."
            : $"The default model '{DefaultName}' is not loaded now; name one with ?model= ({(known.Count == 0 ? "none is loaded" : string.Join(", ", known))}).");
    }

    public void Dispose()
    {
        foreach (var model in AllVersions)
        {
            model.Dispose();
        }
    }
}
