using Autoencoder.Api.Errors;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Repository;

/// <summary>The states of a model version in the repository index, as the protocol's repository extension names them.</summary>
public static class ModelStates
{
    public const string Ready = "READY";
    public const string Loading = "LOADING";
    public const string Unloading = "UNLOADING";
    public const string Unavailable = "UNAVAILABLE";
}

/// <summary>One model version in the repository index; the version is "" for what concerns the whole model.</summary>
public sealed record RepositoryEntry(string Name, string Version, string State, string Reason);

/// <summary>
/// The models folder as a live repository: loads what it holds at start, and then, as Models:Control says, follows the
/// folder (<see cref="ScanAsync"/>) or the repository calls (<see cref="LoadAsync"/>, <see cref="UnloadAsync"/>). A new
/// or changed version is loaded from files that stayed unchanged for Models:SettleSeconds, and warmed, beside the one
/// serving; then the registry switches to it at once and the old one is retired (disposed after its last request). A
/// version that fails to load changes nothing that serves: it is UNAVAILABLE in the <see cref="Index"/>, with the reason.
/// One change at a time.
/// </summary>
public sealed class ModelRepository(
    ModelRegistry registry,
    IOptions<ModelsOptions> options,
    IOptions<InferenceOptions> inference,
    IOptions<BatchingOptions> batching,
    ExecutionProviderSelector selector,
    ApiMetrics metrics,
    InferenceStatistics statistics,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<ModelRepository> logger) : IDisposable
{
    private readonly SemaphoreSlim changing = new(1, 1);
    private readonly Lock statesGate = new();

    // Each model's versions as the index shows them; version 0 holds what concerns the whole model (a bad policy).
    private readonly Dictionary<string, SortedDictionary<long, (string State, string Reason)>> states = new(StringComparer.Ordinal);

    // In poll control, each version folder's files as the last scan saw them: a version loads once two scans agree.
    private readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);

    // In poll control, the files of each version folder that last failed to load: tried again only once they change.
    private readonly Dictionary<string, string> failed = new(StringComparer.Ordinal);

    // In poll control, served models whose folder the last scan did not find: unloaded if the next does not either, so
    // that a folder replaced by two renames (the trainer's) is not unloaded in between.
    private readonly HashSet<string> missing = new(StringComparer.Ordinal);

    public ModelsOptions Options => options.Value;

    public ModelControl Control => options.Value.Control;

    public string Directory => Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    /// <summary>
    /// Loads the models the service starts with and warms them. Without control every model must load, or the start
    /// fails naming what is wrong; with control one that does not is UNAVAILABLE and the rest serve.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory;
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelLoadException(directory, "models directory not found (set Models:Directory)");
        }

        await changing.WaitAsync(cancellationToken);
        try
        {
            if (Control == ModelControl.None)
            {
                LoadEveryModel(directory);
            }
            else
            {
                var names = Control == ModelControl.Explicit && options.Value.Load is { } listed ? listed : ModelFolderNames(directory);
                foreach (var name in names)
                {
                    await ReconcileAsync(RequireName(name), Reload.Always, cancellationToken);
                }
            }
        }
        finally
        {
            changing.Release();
        }

        registry.MarkWarm();
    }

    /// <summary>Every model and version the repository knows, with its state and, when not ready, why.</summary>
    public IReadOnlyList<RepositoryEntry> Index(bool readyOnly = false)
    {
        var names = new SortedSet<string>(ModelFolderNames(Directory), StringComparer.Ordinal);
        List<RepositoryEntry> entries = [];
        lock (statesGate)
        {
            names.UnionWith(states.Keys);
            foreach (var name in names)
            {
                if (!states.TryGetValue(name, out var versions) || versions.Count == 0)
                {
                    entries.Add(new RepositoryEntry(name, "", ModelStates.Unavailable, "not loaded"));
                    continue;
                }

                entries.AddRange(versions.Select(version => new RepositoryEntry(
                    name, version.Key == 0 ? "" : version.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), version.Value.State, version.Value.Reason)));
            }
        }

        return readyOnly ? [.. entries.Where(entry => entry.State == ModelStates.Ready)] : entries;
    }

    /// <summary>
    /// Whether every model the service must serve is served: those Models:Required and Models:Default name, once the
    /// models it starts with are loaded; the reason when not.
    /// </summary>
    public (bool Ready, string Reason) Readiness()
    {
        if (!registry.IsWarm)
        {
            return (false, "models are still loading");
        }

        var required = options.Value.Required.Append(options.Value.Default ?? "").Where(name => name.Length > 0).Distinct(StringComparer.Ordinal);
        var missing = required.Where(name => !registry.TryGetServed(name, out _)).ToList();
        return missing.Count == 0
            ? (true, $"{registry.Served.Count} model(s) loaded and warmed up")
            : (false, $"required model(s) not loaded: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// Loads the model's served versions from its folder, or reloads them if loaded (a load of a loaded model reads it
    /// again, as Triton's does). In poll control the folder decides anyway; this makes it look now.
    /// </summary>
    public async Task LoadAsync(string name, CancellationToken cancellationToken)
    {
        RequireControl("load");
        RequireName(name);
        if (!System.IO.Directory.Exists(Path.Combine(Directory, name)))
        {
            throw ClientInputException.NotFound($"There is no model folder '{ClientText.Echo(name)}' in the models folder. Folders: {string.Join(", ", ModelFolderNames(Directory))}.");
        }

        await changing.WaitAsync(cancellationToken);
        try
        {
            var failures = await ReconcileAsync(name, Reload.Always, cancellationToken);
            if (failures.Count > 0)
            {
                throw new ClientInputException(InputFault.ModelBroken, $"failed to load '{name}': {string.Join("; ", failures)}");
            }
        }
        finally
        {
            changing.Release();
        }
    }

    /// <summary>Stops serving every version of the model; requests already running on it finish first.</summary>
    public async Task UnloadAsync(string name, CancellationToken cancellationToken)
    {
        RequireControl("unload");
        RequireName(name);
        if (Control == ModelControl.Poll)
        {
            throw new ClientInputException(
                InputFault.Conflict, $"Models:Control is poll: the models folder decides what is served. Remove the folder '{ClientText.Echo(name)}' to unload it.");
        }

        if (name == options.Value.Default)
        {
            throw new ClientInputException(
                InputFault.Conflict,
                $"'{ClientText.Echo(name)}' is the default model (Models:Default), so it stays loaded. Load it again to replace it, or set Models:Default to another model.");
        }

        await changing.WaitAsync(cancellationToken);
        try
        {
            if (!registry.TryGetServed(name, out _) && !HasStates(name))
            {
                throw ClientInputException.ModelNotFound(name, registry.Served.Select(model => model.Name).Order(StringComparer.Ordinal));
            }

            Unload(name, "unloaded");
        }
        finally
        {
            changing.Release();
        }
    }

    /// <summary>One look at the folder (poll control): loads new versions, reloads changed ones, unloads removed ones.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        await changing.WaitAsync(cancellationToken);
        try
        {
            var present = ModelFolderNames(Directory).ToHashSet(StringComparer.Ordinal);
            foreach (var served in registry.Served.Where(model => !present.Contains(model.Name)).ToList())
            {
                if (!missing.Add(served.Name))
                {
                    missing.Remove(served.Name);
                    Unload(served.Name, "its folder was removed");
                }
            }

            missing.IntersectWith(registry.Served.Select(model => model.Name).Where(name => !present.Contains(name)));

            foreach (var name in present.Order(StringComparer.Ordinal))
            {
                await ReconcileAsync(name, Reload.WhenChanged, cancellationToken);
            }
        }
        finally
        {
            changing.Release();
        }
    }

    private enum Reload
    {
        /// <summary>Load every served version again (start, and a load call), once its files are settled.</summary>
        Always,

        /// <summary>Load only versions that are new or whose files changed, once two scans agree on them.</summary>
        WhenChanged,
    }

    /// <summary>
    /// Makes what the model serves match its folder and version policy; gives what failed. A version that fails keeps
    /// serving the copy loaded before, if any.
    /// </summary>
    private async Task<List<string>> ReconcileAsync(string name, Reload reload, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Directory, name);
        List<string> failures = [];
        Dictionary<long, string> versions;
        IReadOnlyList<long> wanted;
        try
        {
            if (!System.IO.Directory.Exists(folder))
            {
                throw new ModelLoadException(folder, "no such model folder");
            }

            versions = VersionFolders(folder);
            if (versions.Count == 0 && reload == Reload.WhenChanged)
            {
                // A folder being copied in, before its model.json: the next scan looks again (what serves goes on).
                if (!registry.TryGetServed(name, out _))
                {
                    SetState(name, 0, (ModelStates.Loading, $"waiting for {ModelManifest.FileName}, or version folders that hold one"));
                }

                return [];
            }

            wanted = VersionPolicy.Load(folder).Select(versions.Keys);
            if (wanted.Count == 0)
            {
                throw new ModelLoadException(
                    versions.Count == 0 ? folder : Path.Combine(folder, VersionPolicy.FileName),
                    versions.Count == 0
                        ? $"no {ModelManifest.FileName}, and no version folders that hold one"
                        : $"names none of the versions there are ({string.Join(", ", versions.Keys.Order())})");
            }
        }
        catch (Exception e) when (e is ModelLoadException or IOException or UnauthorizedAccessException)
        {
            var reason = e is ModelLoadException ? e.Message : $"{folder}: {e.Message}";
            Failed(name, 0, reason);
            return [reason];
        }

        SetState(name, 0, null);
        registry.TryGetServed(name, out var served);
        var next = new Dictionary<long, OnnxAutoencoder>();
        var pending = false;
        foreach (var version in wanted)
        {
            var current = served?.Versions.GetValueOrDefault(version);
            var onDisk = ModelFiles.Inspect(versions[version]);
            if (current is not null && reload == Reload.WhenChanged && current.Fingerprint == onDisk.Fingerprint)
            {
                next[version] = current;
                continue;
            }

            if (reload == Reload.WhenChanged
                && (!SettledSinceLastScan(versions[version], onDisk) || failed.GetValueOrDefault(versions[version]) == onDisk.Fingerprint))
            {
                // Still being written, not seen twice yet, or failed as it is: the next scan looks again.
                pending = true;
                if (current is not null)
                {
                    next[version] = current;
                }
                else if (!failed.ContainsKey(versions[version]))
                {
                    SetState(name, version, (ModelStates.Loading, "waiting for its files to be complete and unchanged"));
                }

                continue;
            }

            SetState(name, version, (current is null ? ModelStates.Loading : ModelStates.Ready, current is null ? "" : "reloading"));
            try
            {
                if (reload == Reload.Always)
                {
                    await WaitUntilSettledAsync(versions[version], cancellationToken);
                }

                next[version] = LoadAndWarm(name, versions[version], version);
                failed.Remove(versions[version]);
                SetState(name, version, (ModelStates.Ready, ""));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var reason = e is ModelLoadException ? e.Message : $"{versions[version]}: {e.Message}";
                failures.Add(reason);
                failed[versions[version]] = onDisk.Fingerprint;
                metrics.ModelLoads.WithLabels(name, "failed").Inc();
                logger.ModelLoadFailed(name, version, reason);
                if (current is not null)
                {
                    next[version] = current;
                    SetState(name, version, (ModelStates.Ready, $"serving the copy loaded before; loading the folder again failed: {reason}"));
                }
                else
                {
                    SetState(name, version, (ModelStates.Unavailable, reason));
                }
            }
        }

        if (pending || failures.Count > 0)
        {
            // The policy's versions are not all there: the versions serving go on serving until they are.
            foreach (var (version, model) in served?.Versions ?? new Dictionary<long, OnnxAutoencoder>())
            {
                next.TryAdd(version, model);
            }
        }

        Publish(name, next.Count == 0 ? null : new ServedModel(name, next));
        foreach (var gone in served?.Versions.Keys.Except(next.Keys) ?? [])
        {
            SetState(name, gone, (ModelStates.Unavailable, "unloaded (not in the version policy, or its folder was removed)"));
        }

        return failures;
    }

    private OnnxAutoencoder LoadAndWarm(string name, string folder, long version)
    {
        var files = ModelFiles.Read(folder);
        var model = OnnxAutoencoder.Load(name, files, selector, inference.Value.Device, batching.Value, metrics, statistics, logger, version);
        try
        {
            model.Warm();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            model.Dispose();
            throw new ModelLoadException(folder, $"its warm-up inference failed ({e.Message.Split('\n', 2)[0].Trim()})");
        }

        metrics.ModelLoads.WithLabels(name, "loaded").Inc();
        logger.LoadedModel(model.Name, model.Version, model.Manifest.Architecture.Kind, model.LatentSize, model.Manifest.Dataset.Name, model.Provider.Name);
        return model;
    }

    /// <summary>
    /// Switches the registry to <paramref name="model"/> and retires every version that no longer serves; a version
    /// number no longer served at all has its statistics forgotten (one replaced by a new copy counts on).
    /// </summary>
    private void Publish(string name, ServedModel? model)
    {
        var previous = registry.Replace(name, model);
        metrics.ModelVersionsServed.WithLabels(name).Set(model?.Versions.Count ?? 0);
        foreach (var (version, old) in previous?.Versions ?? new Dictionary<long, OnnxAutoencoder>())
        {
            if (model is null || !model.Versions.Values.Contains(old))
            {
                old.Retire();
            }

            if (model is null || !model.Versions.ContainsKey(version))
            {
                statistics.Forget(name, version);
            }
        }
    }

    private void Unload(string name, string reason)
    {
        registry.TryGetServed(name, out var served);
        foreach (var version in served?.Versions.Keys ?? [])
        {
            SetState(name, version, (ModelStates.Unloading, reason));
        }

        Publish(name, null);
        foreach (var version in served?.Versions.Keys ?? [])
        {
            SetState(name, version, (ModelStates.Unavailable, reason));
            logger.ModelUnloaded(name, version, reason);
        }
    }

    /// <summary>Poll control: files complete, unchanged for Models:SettleSeconds, and as the previous scan saw them.</summary>
    private bool SettledSinceLastScan(string folder, FilesOnDisk onDisk)
    {
        var before = seen.GetValueOrDefault(folder);
        seen[folder] = onDisk.Fingerprint;
        return onDisk.Complete && before == onDisk.Fingerprint && Age(onDisk) >= Settle;
    }

    /// <summary>Waits until the version's files have stayed unchanged for Models:SettleSeconds (at most a minute).</summary>
    private async Task WaitUntilSettledAsync(string folder, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromMinutes(1);
        var onDisk = ModelFiles.Inspect(folder);
        while (onDisk.Complete && Age(onDisk) < Settle)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new ModelLoadException(folder, $"its files kept changing for a minute (still being written?)");
            }

            await Task.Delay(Settle - Age(onDisk) + TimeSpan.FromMilliseconds(10), time, cancellationToken);
            onDisk = ModelFiles.Inspect(folder);
        }
    }

    private TimeSpan Settle => TimeSpan.FromSeconds(options.Value.SettleSeconds);

    private TimeSpan Age(FilesOnDisk onDisk) => time.GetUtcNow().UtcDateTime - onDisk.LastWrite;

    /// <summary>Control none: every model folder, every served version, or the start fails naming what is wrong.</summary>
    private void LoadEveryModel(string directory)
    {
        var loaded = new List<(string Name, Dictionary<long, OnnxAutoencoder> Versions)>();
        try
        {
            foreach (var name in ModelFolderNames(directory))
            {
                var folder = Path.Combine(directory, name);
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

                var models = new Dictionary<long, OnnxAutoencoder>();
                loaded.Add((name, models));
                foreach (var version in served)
                {
                    models.Add(version, LoadAndWarm(name, versions[version], version));
                }
            }

            if (loaded.Count == 0)
            {
                throw new ModelLoadException(directory, $"no model folders (each with {ModelManifest.FileName}, {ModelManifest.EncoderFileName} and {ModelManifest.DecoderFileName})");
            }

            if (options.Value.Default is { Length: > 0 } configured && !loaded.Any(model => model.Name == configured))
            {
                throw new ModelLoadException(directory, $"Models:Default names '{configured}', which is not among {string.Join(", ", loaded.Select(model => model.Name))}");
            }
        }
        catch
        {
            foreach (var model in loaded.SelectMany(model => model.Versions.Values))
            {
                model.Dispose();
            }

            throw;
        }

        foreach (var model in loaded)
        {
            Publish(model.Name, new ServedModel(model.Name, model.Versions));
            foreach (var version in model.Versions.Keys)
            {
                SetState(model.Name, version, (ModelStates.Ready, ""));
            }
        }
    }

    /// <summary>The model folders: every folder but hidden ones (a trainer writes into a hidden folder, then renames it).</summary>
    private static IEnumerable<string> ModelFolderNames(string directory) =>
        System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetDirectories(directory).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// A model folder's versions by number: the folder itself as version 1 when it holds model.json, else its numbered
    /// folders that do. A folder with both is refused: which one would be version 1 is not clear.
    /// </summary>
    private static Dictionary<long, string> VersionFolders(string folder)
    {
        var versions = System.IO.Directory.GetDirectories(folder)
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

    private void RequireControl(string call)
    {
        if (Control == ModelControl.None)
        {
            throw new ClientInputException(
                InputFault.Conflict, $"Models:Control is none: the models are loaded at start and do not change. Set it to explicit (or poll) to {call} models while the service runs.");
        }
    }

    /// <summary>A model name is one folder name in the models folder: nothing that could reach outside it.</summary>
    private static string RequireName(string name) =>
        name.Length is > 0 and <= 200 && !name.StartsWith('.') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? name
            : throw ClientInputException.Invalid($"'{ClientText.Echo(name)}' is not a model name: use letters, digits, '-', '_' and '.' (not first).");

    private void Failed(string name, long version, string reason)
    {
        lock (statesGate)
        {
            if (states.TryGetValue(name, out var versions) && versions.TryGetValue(version, out var state) && state == (ModelStates.Unavailable, reason))
            {
                // Poll control finds the same fault at every scan: said once.
                return;
            }
        }

        metrics.ModelLoads.WithLabels(name, "failed").Inc();
        logger.ModelLoadFailed(name, version, reason);
        SetState(name, version, (ModelStates.Unavailable, reason));
    }

    private bool HasStates(string name)
    {
        lock (statesGate)
        {
            return states.ContainsKey(name);
        }
    }

    private void SetState(string name, long version, (string State, string Reason)? state)
    {
        lock (statesGate)
        {
            if (state is { } value)
            {
                if (!states.TryGetValue(name, out var versions))
                {
                    states[name] = versions = [];
                }

                versions[version] = value;
            }
            else if (states.TryGetValue(name, out var versions))
            {
                versions.Remove(version);
            }
        }
    }

    public void Dispose() => changing.Dispose();
}
