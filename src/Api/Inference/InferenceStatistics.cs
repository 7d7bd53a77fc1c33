using System.Collections.Concurrent;
using System.Globalization;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Inference;

/// <summary>
/// What every model stage has done, per version, for the Open Inference Protocol's statistics extension, counted on
/// every route that runs a model (the image routes as well as /v2). Kept here by model, stage and version rather than
/// in the <see cref="OnnxAutoencoder"/>, so that a version loaded again from changed files counts on. A version no
/// longer served (unloaded, or dropped by its version policy) is forgotten, as Triton forgets unloaded models: loaded
/// again, it counts from zero. Requests still running on it when it goes are not counted.
/// </summary>
public sealed class InferenceStatistics(ModelRegistry registry, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Model, Stage Stage, long Version), StageStatistics> stages = new();

    /// <summary>The counters of a stage at a version, made at its first load; a copy loaded again gets the same ones.</summary>
    public StageStatistics For(string model, Stage stage, long version) =>
        stages.GetOrAdd((model, stage, version), static (_, time) => new StageStatistics(time), time);

    /// <summary>Drops a version's counters, once it is no longer served.</summary>
    public void Forget(string model, long version)
    {
        foreach (var stage in Enum.GetValues<Stage>())
        {
            stages.TryRemove((model, stage, version), out _);
        }
    }

    /// <summary>
    /// The statistics of every stage and version served, by name and version; of one stage's served versions
    /// (<paramref name="stageName"/> "{model}-encoder" or "{model}-decoder"); or of one of them
    /// (<paramref name="version"/>). An empty name or version is none given, as in the protocol's gRPC messages.
    /// <see cref="InputFault.NotFound"/>, naming those there are, for a stage or version not served.
    /// </summary>
    public IReadOnlyList<ModelVersionStatistics> Snapshot(string? stageName = null, string? version = null)
    {
        if (string.IsNullOrEmpty(stageName))
        {
            if (!string.IsNullOrEmpty(version))
            {
                throw ClientInputException.Invalid($"Statistics of version '{ClientText.Echo(version)}' need a model name as well.");
            }

            return [.. registry.Served
                .SelectMany(served => Enum.GetValues<Stage>().SelectMany(stage => served.Versions.Values.Select(model => Read(model, stage))))
                .OrderBy(statistics => statistics.Name, StringComparer.Ordinal)
                .ThenBy(statistics => long.Parse(statistics.Version, CultureInfo.InvariantCulture))];
        }

        var (served, stage) = StageNames.Find(registry, stageName);
        return string.IsNullOrEmpty(version)
            ? [.. served.Versions.OrderBy(entry => entry.Key).Select(entry => Read(entry.Value, stage))]
            : [Read(StageNames.Version(served, stageName, version), stage)];
    }

    private static ModelVersionStatistics Read(OnnxAutoencoder model, Stage stage) =>
        model.StatisticsOf(stage).Read(StageNames.Of(model.Name, stage), model.Version.ToString(CultureInfo.InvariantCulture));
}
