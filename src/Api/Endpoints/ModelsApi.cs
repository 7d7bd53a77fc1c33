using Autoencoder.Api.Inference;
using Autoencoder.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>GET /models and /models/{name}: what is loaded and where it runs.</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/models").WithTags("Models");
        api.MapGet("", List).WithName("ListModels").WithSummary("List the loaded models");
        api.MapGet("/{name}", Get).WithName("GetModel").WithSummary("Describe one loaded model").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static Ok<ModelInfo[]> List(ModelRegistry registry) =>
        TypedResults.Ok(registry.All.OrderBy(model => model.Name, StringComparer.Ordinal).Select(model => Describe(model, registry)).ToArray());

    /// <param name="name">The model.</param>
    /// <param name="version">Which of its versions to describe; without it, the newest served.</param>
    /// <param name="registry">The models served.</param>
    public static Ok<ModelInfo> Get(string name, [FromQuery(Name = "version")] string? version, ModelRegistry registry) =>
        TypedResults.Ok(Describe(registry.Get(name, QueryValues.Version(version)), registry));

    private static ModelInfo Describe(OnnxAutoencoder model, ModelRegistry registry)
    {
        registry.TryGetServed(model.Name, out var served);
        var manifest = model.Manifest;
        return new ModelInfo(
            model.Name,
            model.Name == registry.DefaultName,
            manifest.Architecture,
            manifest.LatentSize,
            manifest.Image,
            manifest.ImageHandling.Name(),
            manifest.Dataset,
            manifest.Metrics.Test,
            manifest.ReconstructionErrors,
            manifest.Contract,
            manifest.Recipe,
            model.Provider.Name,
            model.Provider.FallbackReason,
            model.LatentMap is not null,
            manifest.Noise?.Select(noise => noise.ToString()).ToArray(),
            manifest.Prior is { } prior ? new PriorInfo(prior.Kind, prior.Components.Count, prior.FittedTo) : null,
            model.Version,
            [.. served.Versions.Keys.Order()]);
    }
}
